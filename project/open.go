package project

// Existing is what a re-render needs of the project already in a folder,
// read once: the answers it was made with (its manifest) and the values of
// its .env, whose secrets are kept.
type Existing struct {
	Dir string
	// Manifest is nil when the folder holds none (a new project, or a
	// manifest Plan reports as unreadable when writing).
	Manifest *Manifest
	// Env is the .env's values; empty when there is none.
	Env map[string]string
}

// Open checks that dir can take a project (as Plan does, before any
// question is asked) and reads what is there.
func Open(dir string, force bool) (*Existing, error) {
	if _, err := Plan(dir, nil, force); err != nil {
		return nil, err
	}
	env, err := ReadEnv(dir)
	if err != nil {
		return nil, err
	}
	e := &Existing{Dir: dir, Env: env}
	if m, err := LoadManifest(dir); err == nil {
		e.Manifest = m
	}
	return e, nil
}
