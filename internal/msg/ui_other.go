//go:build !windows

package msg

// uiLanguage is empty outside Windows: the locale variables say it all.
func uiLanguage() string { return "" }
