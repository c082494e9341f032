package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/stackgen/stackgen/engine/enginetest"
)

// TestExecStdinFeedsInputAndClosesIt runs a fake `cat` behind a real TCP
// connection: what ExecStdin sends arrives whole, the half-close reaches
// the "container" as EOF, and the output comes back demultiplexed.
func TestExecStdinFeedsInputAndClosesIt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	received := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		in, _ := io.ReadAll(c) // until the client's CloseWrite
		received <- in
		stdcopy.NewStdWriter(c, stdcopy.Stdout).Write(bytes.ToUpper(in))
		stdcopy.NewStdWriter(c, stdcopy.Stderr).Write([]byte("done\n"))
	}()
	var opts container.ExecOptions
	api := &enginetest.API{
		ExecCreateFn: func(ctx context.Context, id string, o container.ExecOptions) (container.ExecCreateResponse, error) {
			opts = o
			return container.ExecCreateResponse{ID: "exec1"}, nil
		},
		ExecAttachFn: func(ctx context.Context, id string, o container.ExecAttachOptions) (types.HijackedResponse, error) {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				return types.HijackedResponse{}, err
			}
			return types.NewHijackedResponse(c, ""), nil
		},
		ExecInspectFn: func(ctx context.Context, id string) (container.ExecInspect, error) {
			return container.ExecInspect{ExitCode: 0}, nil
		},
	}
	c := &Client{API: api}
	input := bytes.Repeat([]byte("dump \x00\xff\r\n"), 50_000)
	var out, errOut bytes.Buffer
	code, err := c.ExecStdin(context.Background(), "ctr", []string{"cat"}, bytes.NewReader(input), &out, &errOut)
	if err != nil || code != 0 {
		t.Fatalf("ExecStdin = %d, %v", code, err)
	}
	if !opts.AttachStdin || opts.Tty {
		t.Errorf("exec options %+v: want stdin attached and no TTY", opts)
	}
	if got := <-received; !bytes.Equal(got, input) {
		t.Errorf("the container received %d bytes, want %d", len(got), len(input))
	}
	if !bytes.Equal(out.Bytes(), bytes.ToUpper(input)) || errOut.String() != "done\n" {
		t.Errorf("stdout %d bytes, stderr %q", out.Len(), errOut.String())
	}
}

func TestStreamFunctionsNeedTheRealClient(t *testing.T) {
	c := &Client{API: &enginetest.API{}}
	if _, err := c.CopyOut(context.Background(), "ctr", "/data"); !errors.Is(err, ErrNoStreamAPI) {
		t.Errorf("CopyOut = %v", err)
	}
	if _, err := c.RunHelper(context.Background(), HelperOptions{Image: "x"}); !errors.Is(err, ErrNoStreamAPI) {
		t.Errorf("RunHelper = %v", err)
	}
}
