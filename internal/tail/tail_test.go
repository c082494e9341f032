package tail

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestBytesKeepsTheEnd(t *testing.T) {
	b := &Bytes{Max: 5}
	fmt.Fprint(b, "hello ")
	fmt.Fprint(b, "world")
	if b.String() != "world" {
		t.Errorf("%q", b.String())
	}
}

func TestBufferTakesConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); fmt.Fprint(&b, "ab") }()
	}
	wg.Wait()
	if b.String() != strings.Repeat("ab", 8) {
		t.Errorf("%q", b.String())
	}
}

func TestLinesSkipsBlankLines(t *testing.T) {
	got := Lines("one\n\n  \ntwo\nthree\n", 2)
	if strings.Join(got, "|") != "two|three" {
		t.Errorf("%q", got)
	}
}
