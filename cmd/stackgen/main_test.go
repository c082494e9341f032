package main

import (
	"runtime/debug"
	"testing"
)

func TestLessGC(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
	}{
		{"no GOGC: stackgen's target", map[string]string{}, gcPercent},
		{"GOGC set: the user's, untouched", map[string]string{"GOGC": "50"}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := debug.SetGCPercent(100)
			defer debug.SetGCPercent(old)
			lessGC(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Errorf("GC percent = %d, want %d", got, tc.want)
			}
		})
	}
}
