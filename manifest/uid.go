package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Annotations the source sets on every pod it emits.
const (
	AnnotationConfigSource = "kubernetes.io/config.source" // value "file"
	AnnotationConfigHash   = "kubernetes.io/config.hash"   // value = the pod UID
	AnnotationSourceFile   = "minikubelet.io/source-file"  // absolute path of the manifest file
)

// ConfigSourceFile is the value of AnnotationConfigSource.
const ConfigSourceFile = "file"

// PodUID returns the pod's metadata.uid when it is set. Otherwise it derives one, as kubelet
// does for static pods: the first 32 hex digits of a SHA-256 over the node name, the file path
// and the pod (defaulted, as JSON, which encodes map keys in sorted order). So the same content
// in the same file on the same node always gets the same UID, whatever its comments or
// formatting, and any change of content gets a new one (the runtime then recreates the pod).
// The annotations this package adds are left out of the hash, so calling PodUID again on an
// emitted pod gives the same answer.
func PodUID(pod *v1.Pod, nodeName, file string) types.UID {
	if pod.UID != "" {
		return pod.UID
	}
	clean := pod.DeepCopy()
	for _, key := range []string{AnnotationConfigSource, AnnotationConfigHash, AnnotationSourceFile} {
		delete(clean.Annotations, key)
	}
	if len(clean.Annotations) == 0 {
		clean.Annotations = nil
	}
	data, err := json.Marshal(clean)
	if err != nil {
		// v1.Pod has no member JSON cannot encode (no channels, funcs or NaN floats).
		panic(fmt.Sprintf("manifest: encode pod %s/%s: %v", pod.Namespace, pod.Name, err))
	}
	h := sha256.New()
	fmt.Fprintf(h, "host:%s\nfile:%s\n", nodeName, file)
	h.Write(data)
	return types.UID(hex.EncodeToString(h.Sum(nil))[:32])
}

// annotate sets the source annotations on an accepted pod; its UID must already be set.
func annotate(pod *v1.Pod, file string) {
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[AnnotationConfigSource] = ConfigSourceFile
	pod.Annotations[AnnotationConfigHash] = string(pod.UID)
	pod.Annotations[AnnotationSourceFile] = file
}
