package stack

import (
	"fmt"
	"strings"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
)

// FamilySuffix ends the answer key that states an image's family
// ("image.db.family"), for an image whose reference says nothing about
// what it is (or says something wrong): --image db.family=mariadb.
const FamilySuffix = ".family"

// ServiceRole is what the services running one image are, written into
// compose.yaml as the service's x-stackgen extension so `stackgen
// validate` judges them by what the stack made them, not by image names.
type ServiceRole struct {
	Role   imagerole.Role
	Family string // "" when the image is of no known family
}

// String is the x-stackgen value as a YAML flow mapping. Both values come
// from imagerole's fixed tables (ResolveRoles checks stated families), so
// they are plain words that need no quoting.
func (r ServiceRole) String() string {
	if r.Family == "" {
		return fmt.Sprintf("{role: %s}", r.Role)
	}
	return fmt.Sprintf("{role: %s, family: %s}", r.Role, r.Family)
}

// familyKey is the answer key stating image key's family.
func familyKey(key string) string { return ImagePrefix + key + FamilySuffix }

// IsImageFamilyKey reports whether key states the family of an image of d
// ("image.db.family").
func (d *Definition) IsImageFamilyKey(key string) bool {
	name, ok := strings.CutSuffix(key, FamilySuffix)
	return ok && d.IsImageKey(name)
}

// image returns the image with key that applies to a (the first one
// when several share the key, for different answers).
func (d *Definition) image(key string, a Answers) (Image, bool) {
	for _, im := range d.Images {
		if im.Key == key && (im.When == nil || im.When(a)) {
			return im, true
		}
	}
	return Image{}, false
}

// FamilyFor is the family the stack configures image key as: the stated
// one (image.KEY.family), the image's own, or for a built image that of
// the image it is built FROM.
func (d *Definition) FamilyFor(key string, a Answers) string {
	for hops := 0; hops <= len(d.Images); hops++ {
		if v := a[familyKey(key)]; v != "" {
			return v
		}
		im, ok := d.image(key, a)
		if !ok {
			return ""
		}
		if im.Family != nil {
			return im.Family(a)
		}
		if im.Base == "" {
			return ""
		}
		key = im.Base
	}
	return ""
}

// ResolveRoles returns the role of every image in use that services run
// (base images have none), by image key.
func (d *Definition) ResolveRoles(a Answers) map[string]ServiceRole {
	out := map[string]ServiceRole{}
	for _, im := range d.Images {
		if im.Role == "" || (im.When != nil && !im.When(a)) {
			continue
		}
		out[im.Key] = ServiceRole{Role: im.Role, Family: d.FamilyFor(im.Key, a)}
	}
	return out
}

// checkFamilies refuses an override whose reference (or stated family)
// contradicts what the answers set the stack up for: a MariaDB image
// where the stack writes mysqladmin health checks and mysqldump backups
// would start, then fail its checks and its backups.
func (d *Definition) checkFamilies(given, out Answers) error {
	for _, im := range d.Images {
		if im.Built || (im.When != nil && !im.When(out)) {
			continue
		}
		want := ""
		if im.Family != nil {
			want = im.Family(out)
		}
		fk := familyKey(im.Key)
		stated, hasStated := given[fk]
		if hasStated {
			if _, ok := imagerole.Lookup(stated); !ok {
				return msg.Err("stack.err.family-unknown", msg.Args{"Key": fk, "Value": quote(stated), "Families": strings.Join(imagerole.Names(), ", ")})
			}
			out[fk] = stated
		}
		if want == "" {
			continue
		}
		ref, overridden := given[ImagePrefix+im.Key]
		got, why := stated, msg.Sub{ID: "stack.family.stated", Args: msg.Args{"Key": fk, "Value": stated}}
		if !hasStated {
			if !overridden {
				continue
			}
			f, where, ok := imagerole.FromRef(ref)
			if !ok {
				continue // the name says nothing: it is what the stack needs
			}
			got, why = f.Name, msg.Sub{ID: "stack.family.from-ref", Args: msg.Args{"Key": im.Key, "Ref": ref, "Where": where, "Family": f.Name}}
		}
		if imagerole.Compatible(got, want) {
			continue
		}
		return msg.Err("stack.err.family-mismatch", msg.Args{"Why": why, "Want": want, "Fix": d.familyFix(im.Key, got, want, out)})
	}
	return nil
}

// familyFix says how to resolve a contradiction: choose the answer that
// makes the stack use the image's family, when a question offers it.
func (d *Definition) familyFix(key, got, want string, a Answers) msg.Sub {
	for _, q := range d.Questions {
		if q.Kind != Choice || !q.Active(a) || a[q.Key] != want {
			continue
		}
		for _, c := range q.ChoicesFor(a) {
			if c == got {
				return msg.Sub{ID: "stack.family.fix-answer", Args: msg.Args{"Key": q.Key, "Got": got, "Want": want, "Image": key + FamilySuffix}}
			}
		}
	}
	return msg.Sub{ID: "stack.family.fix-image", Args: msg.Args{"Want": want, "Image": key + FamilySuffix}}

}
