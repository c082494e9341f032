package stackscmd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		args      []string
		wantStack string
		wantErr   bool
	}{
		{args: nil},
		{args: []string{"django"}, wantStack: "django"},
		{args: []string{"django", "onyx"}, wantErr: true},
	}
	for _, tt := range tests {
		ios, _, _, _ := cmdutil.Test()
		var got *Options
		cmd := NewCmdStacks(&cmdutil.Factory{IO: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		err := cmd.Execute()
		if (err != nil) != tt.wantErr {
			t.Fatalf("%v: err %v, want error %v", tt.args, err, tt.wantErr)
		}
		if err == nil && got.Stack != tt.wantStack {
			t.Errorf("%v: stack %q, want %q", tt.args, got.Stack, tt.wantStack)
		}
	}
}

func TestRun(t *testing.T) {
	ios, _, out, _ := cmdutil.Test()
	if err := run(&Options{IO: ios}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"django-uwsgi", "(django, uwsgi)", "onyx", "keras-webpy"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the list lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if err := run(&Options{IO: ios, Stack: "keras"}); err != nil || !strings.Contains(out.String(), "http_port") {
		t.Errorf("keras's answers (%v):\n%s", err, out)
	}
	err := run(&Options{IO: ios, Stack: "rails"})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Errorf("an unknown stack is a usage error (exit 2), got %v", err)
	}
}
