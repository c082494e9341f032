// Package keygencmd implements `stackgen keygen`: a key pair for the
// secrets in backups (age X25519). The private key goes to a file only its
// owner can read; the public key is printed, to be given to
// `stackgen backup --encrypt-to`.
package keygencmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
)

// Options are keygen's inputs.
type Options struct {
	IO  *cmdutil.IOStreams
	Out string
	Now func() time.Time
	// Sign makes an ed25519 signing key for bundles (minisign format)
	// instead of a backup key.
	Sign bool
}

// NewCmdKeygen builds the command; runF replaces the work in tests.
func NewCmdKeygen(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:     "keygen",
		Short:   f.IO.L.T("cmd.keygen.short"),
		Long:    f.IO.L.T("keygen.long"),
		Example: f.IO.L.T("keygen.example"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Sign && !cmd.Flags().Changed("output") {
				opts.Out = DefaultSignKey
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "stackgen-backup.key", f.IO.L.T("keygen.flag.output", msg.Args{"SignDefault": DefaultSignKey}))
	cmd.Flags().BoolVar(&opts.Sign, "sign", false, f.IO.L.T("keygen.flag.sign"))
	return cmd
}

// Run makes the key pair.
func Run(ctx context.Context, opts *Options) error {
	if opts.Sign {
		return runSign(opts)
	}
	if _, err := os.Lstat(opts.Out); err == nil {
		return msg.Err("keygen.err.exists", msg.Args{"File": opts.Out})
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	body := fmt.Sprintf("# created: %s by stackgen keygen\n# public key: %s\n%s\n", now().UTC().Format(time.RFC3339), id.Recipient(), id)
	abs, err := filepath.Abs(opts.Out)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(abs, []byte(body), 0o600); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.L.T("keygen.wrote", msg.Args{"Path": abs}))
	fmt.Fprintln(opts.IO.Out, id.Recipient().String())
	return nil
}
