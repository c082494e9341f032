package stack

import "fmt"

// AnswersFromYAML turns a decoded --answers mapping into answers: scalars
// kept as written (app_version: 1.10 stays "1.10"), an empty value as "",
// and an image: (or images:) section mapping image keys to references.
// path names the file in errors.
func AnswersFromYAML(path string, raw map[string]any) (Answers, error) {
	out := Answers{}
	for k, v := range raw {
		switch val := v.(type) {
		case map[string]any:
			if k != "image" && k != "images" {
				return nil, fmt.Errorf("--answers %s: %q must be a single value, not a mapping", path, k)
			}
			for ik, iv := range val {
				ref, ok := iv.(string)
				if !ok {
					return nil, fmt.Errorf("--answers %s: image %q must be a single reference", path, ik)
				}
				out[ImagePrefix+ik] = ref
			}
		case nil:
			out[k] = ""
		case []any:
			return nil, fmt.Errorf("--answers %s: %q must be a single value, not a list", path, k)
		default:
			out[k] = fmt.Sprint(val)
		}
	}
	return out, nil
}
