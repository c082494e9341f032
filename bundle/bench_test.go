package bundle

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/engine"
)

// BenchmarkCodecs streams one `docker save` of the images through each
// candidate compressor, the way Create does, and reports the input rate
// and the compressed size. The candidates are what README's "Offline
// bundles" compares; it skips without an engine.
//
//	STACKGEN_BENCH_IMAGES="img1 img2" go test ./bundle -run '^$' -bench Codecs -benchtime 1x
//
// Without STACKGEN_BENCH_IMAGES it uses the django stack's stand-ins.
func BenchmarkCodecs(b *testing.B) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		b.Skipf("no Docker Engine: %v", err)
	}
	images := strings.Fields(os.Getenv("STACKGEN_BENCH_IMAGES"))
	if len(images) == 0 {
		prefix := os.Getenv("STANDIN_PREFIX")
		if prefix == "" {
			prefix = "stackgen-standin"
		}
		for _, n := range []string{"python:3.13", "mariadb:11.8", "redis:8.0", "nginx:1.26"} {
			images = append(images, prefix+"/"+n)
		}
	}
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	for _, im := range images {
		if ok, err := eng.ImageExists(ctx, im); err != nil || !ok {
			b.Skipf("image %s is missing (bash e2e/standins/build.sh): %v", im, err)
		}
	}
	// Warm the page cache so every candidate reads the layers from memory.
	if err := saveInto(ctx, eng, images, io.Discard, false); err != nil {
		b.Fatal(err)
	}
	candidates := []struct {
		name   string
		codec  Codec
		opts   CodecOptions
		direct bool // without the read-ahead Create uses
	}{
		{"raw", "", CodecOptions{}, false},
		{"zstd-3-w64M-direct", Zstd, CodecOptions{Level: 3, WindowMB: 64}, true},
		{"gzip-1", Gzip, CodecOptions{Level: 1}, false},
		{"gzip-6", Gzip, CodecOptions{Level: 6}, false},
		{"zstd-1", Zstd, CodecOptions{Level: 1}, false},
		{"zstd-3-w8M", Zstd, CodecOptions{Level: 3, WindowMB: 8}, false},
		{"zstd-3-w32M", Zstd, CodecOptions{Level: 3, WindowMB: 32}, false},
		{"zstd-3-w64M", Zstd, CodecOptions{Level: 3, WindowMB: 64}, false},
		{"zstd-3-w64M-async", Zstd, CodecOptions{Level: 3, WindowMB: 64, Concurrency: 2}, false},
		{"zstd-3-w128M", Zstd, CodecOptions{Level: 3, WindowMB: 128}, false},
		{"zstd-7-w8M", Zstd, CodecOptions{Level: 7, WindowMB: 8}, false},
		{"zstd-7-w32M", Zstd, CodecOptions{Level: 7, WindowMB: 32}, false},
	}
	for _, c := range candidates {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var out countingWriter
				out.w = io.Discard
				var in Counter
				start := time.Now()
				var w io.Writer = &out
				var enc io.WriteCloser
				if c.codec != "" {
					enc, err = NewEncoder(c.codec, &out, c.opts)
					if err != nil {
						b.Fatal(err)
					}
					w = enc
				}
				if err := saveInto(ctx, eng, images, io.MultiWriter(w, &in), !c.direct); err != nil {
					b.Fatal(err)
				}
				if enc != nil {
					if err := enc.Close(); err != nil {
						b.Fatal(err)
					}
				}
				el := time.Since(start).Seconds()
				b.ReportMetric(float64(in.Load())/1e6/el, "MB/s")
				b.ReportMetric(float64(out.n)/1e6, "outMB")
				b.ReportMetric(float64(out.n)/float64(in.Load()), "ratio")
				b.ReportMetric(el, "s")
				fmt.Fprintf(os.Stderr, "%-12s %7.1f MB -> %7.1f MB (%.3f) in %5.2fs (%.0f MB/s)\n", c.name, float64(in.Load())/1e6, float64(out.n)/1e6, float64(out.n)/float64(in.Load()), el, float64(in.Load())/1e6/el)
			}
		})
	}
}

func saveInto(ctx context.Context, eng *engine.Client, images []string, w io.Writer, ahead bool) error {
	rc, err := eng.SaveImages(ctx, images)
	if err != nil {
		return err
	}
	defer rc.Close()
	var src io.Reader = rc
	if ahead {
		ra := readAhead(rc, readAheadChunk, readAheadDepth)
		defer ra.Close()
		src = ra
	}
	_, err = io.Copy(w, src)
	return err
}
