package runtime

import "errors"

// Errors the container runtime wraps so the engine can give the kubelet reason for a waiting
// container.
var (
	ErrImagePull        = errors.New("ErrImagePull")
	ErrImageNeverPull   = errors.New("ErrImageNeverPull")
	ErrInvalidImageName = errors.New("InvalidImageName")
)
