package stack

import (
	"fmt"

	"github.com/stackgen/stackgen/internal/msg"
)

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
				return nil, msg.Err("stack.err.answers-mapping", msg.Args{"File": path, "Key": quote(k)})
			}
			for ik, iv := range val {
				ref, ok := iv.(string)
				if !ok {
					return nil, msg.Err("stack.err.answers-image", msg.Args{"File": path, "Key": quote(ik)})
				}
				out[ImagePrefix+ik] = ref
			}
		case nil:
			out[k] = ""
		case []any:
			return nil, msg.Err("stack.err.answers-list", msg.Args{"File": path, "Key": quote(k)})

		default:
			out[k] = fmt.Sprint(val)
		}
	}
	return out, nil
}
