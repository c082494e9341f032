//go:build windows

package msg

import "golang.org/x/sys/windows"

// uiLanguage is the user's display language ("zh-CN"), which Windows keeps
// apart from the locale variables a console rarely sets. The preferred UI
// languages list starts with what GetUserDefaultUILanguage returns, as a
// name rather than a LANGID.
func uiLanguage() string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(langs) == 0 {
		return ""
	}
	return langs[0]
}
