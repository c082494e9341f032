package units

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 143000000: "136.4 MiB", 3 << 30: "3.0 GiB", 5 << 20: "5.0 MiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestShortID(t *testing.T) {
	for in, want := range map[string]string{"sha256:0123456789abcdef": "0123456789ab", "0123456789abcdef": "0123456789ab", "abc": "abc"} {
		if got := ShortID(in); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", in, got, want)
		}
	}
}
