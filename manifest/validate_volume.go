package manifest

import (
	"path"
	"slices"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateVolumes checks the pod's volumes and returns them by name for the mount checks.
// Only emptyDir and hostPath are supported; any other source is refused on its own field
// ("spec.volumes[2].configMap: Forbidden: not supported by minikubelet yet").
func validateVolumes(volumes []v1.Volume, vpath *field.Path) (map[string]*v1.Volume, field.ErrorList) {
	var errs field.ErrorList
	byName := map[string]*v1.Volume{}
	for i := range volumes {
		v := &volumes[i]
		ip := vpath.Index(i)
		switch {
		case v.Name == "":
			errs = append(errs, field.Required(ip.Child("name"), ""))
		case byName[v.Name] != nil:
			errs = append(errs, field.Duplicate(ip.Child("name"), v.Name))
		default:
			errs = append(errs, dns1123Label(ip.Child("name"), v.Name)...)
			byName[v.Name] = v
		}
		errs = append(errs, validateVolumeSource(&v.VolumeSource, ip)...)
	}
	return byName, errs
}

func validateVolumeSource(src *v1.VolumeSource, ip *field.Path) field.ErrorList {
	sources := setFields(src)
	switch len(sources) {
	case 0:
		return field.ErrorList{field.Required(ip, "must specify a volume type")}
	case 1:
	default:
		return field.ErrorList{field.Forbidden(ip.Child(sources[1]), "may not specify more than 1 volume type")}
	}
	switch {
	case src.EmptyDir != nil:
		return validateEmptyDir(src.EmptyDir, ip.Child("emptyDir"))
	case src.HostPath != nil:
		return validateHostPath(src.HostPath, ip.Child("hostPath"))
	}
	return field.ErrorList{field.Forbidden(ip.Child(sources[0]), notSupportedYet)}
}

func validateEmptyDir(e *v1.EmptyDirVolumeSource, epath *field.Path) field.ErrorList {
	var errs field.ErrorList
	supported := []v1.StorageMedium{v1.StorageMediumDefault, v1.StorageMediumMemory}
	if !slices.Contains(supported, e.Medium) {
		errs = append(errs, field.NotSupported(epath.Child("medium"), e.Medium, supported))
	}
	if e.SizeLimit != nil && e.SizeLimit.Sign() < 0 {
		errs = append(errs, field.Invalid(epath.Child("sizeLimit"), e.SizeLimit.String(), "must be greater than or equal to 0"))
	}
	return errs
}

func validateHostPath(h *v1.HostPathVolumeSource, hpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case h.Path == "":
		errs = append(errs, field.Required(hpath.Child("path"), ""))
	case !path.IsAbs(h.Path):
		errs = append(errs, field.Invalid(hpath.Child("path"), h.Path, "must be an absolute path"))
	default:
		errs = append(errs, noBacksteps(h.Path, hpath.Child("path"))...)
	}
	supported := []v1.HostPathType{
		v1.HostPathUnset, v1.HostPathDirectoryOrCreate, v1.HostPathDirectory, v1.HostPathFileOrCreate,
		v1.HostPathFile, v1.HostPathSocket, v1.HostPathCharDev, v1.HostPathBlockDev,
	}
	if h.Type != nil && !slices.Contains(supported, *h.Type) {
		errs = append(errs, field.NotSupported(hpath.Child("type"), *h.Type, supported))
	}
	return errs
}
