package msg

import "testing"

// BenchmarkLoad measures parsing the embedded catalogue, which every
// process that prints a message (even `stackgen version`) pays once.
func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := load(); err != nil {
			b.Fatal(err)
		}
	}
}
