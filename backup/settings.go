package backup

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/smallfile"

	"github.com/goccy/go-yaml"
)

// SettingsName is the project file holding its backup settings, written
// by `stackgen backup --save` and `--schedule` and read by every backup of
// the project (flags override it).
const SettingsName = ".stackgen-backup.yml"

// Settings are a project's backup defaults.
type Settings struct {
	// EncryptTo is an age public key (or a file of them) the secrets are
	// encrypted to.
	EncryptTo string `yaml:"encrypt_to,omitempty"`
	// Output is the folder that receives the backups (relative to the
	// project, or absolute).
	Output string `yaml:"output,omitempty"`
	Keep   int    `yaml:"keep,omitempty"`
	// CopyTo is a folder every new backup is copied to and verified in.
	CopyTo string `yaml:"copy_to,omitempty"`
	// Schedule is what --schedule installed (daily, hourly, cron).
	Schedule string `yaml:"schedule,omitempty"`
	// Live copies file volumes without pausing their writer.
	Live bool `yaml:"live,omitempty"`
}

// LoadSettings reads dir's settings; a project without the file has none.
func LoadSettings(dir string) (Settings, error) {
	p := filepath.Join(dir, SettingsName)
	b, err := smallfile.ReadFile(p, 64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, msg.Err("backup.err.file", msg.Args{"File": p, "Err": err})
	}
	var s Settings
	if err := yaml.UnmarshalWithOptions(b, &s, yaml.Strict()); err != nil {
		return Settings{}, msg.Err("backup.err.settings-yaml", msg.Args{"File": p, "Err": yaml.FormatError(err, false, false)})
	}
	if s.Keep < 0 {
		return Settings{}, msg.Err("backup.err.settings-keep", msg.Args{"File": p, "Keep": s.Keep})
	}
	if s.Schedule != "" {
		if _, err := ParseSchedule(s.Schedule); err != nil {
			return Settings{}, msg.Err("backup.err.file", msg.Args{"File": p, "Err": err})
		}
	}
	return s, nil
}

// SaveSettings writes dir's settings atomically.
func SaveSettings(dir string, s Settings) error {
	b, err := yaml.Marshal(s)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	out.WriteString("# stackgen backup settings: the defaults of 'stackgen backup' for this project\n")
	out.WriteString("# (flags override them). Written by --save and --schedule.\n")
	out.Write(b)
	return writeFileAtomic(dir, SettingsName, out.Bytes())
}
