package stack

// LangAnswer is the language of the files written for people: the README
// and OFFLINE-README, comments in compose.yaml and the configs, and what
// the generated scripts print. It defaults to the language stackgen speaks
// to the user (--lang, else the locale), so it is recorded in the
// manifest and a re-render keeps it.
const LangAnswer = "lang"

// LangQuestion is the lang answer every stack has.
func LangQuestion() Question {
	return Question{
		Key: LangAnswer, Prompt: "Language of the README and of the scripts' messages", Kind: Choice,
		Default: "en", Choices: []string{"en", "zh"}, Advanced: true,
		Help: "en or zh; defaults to the language stackgen speaks (--lang, else LC_ALL, LC_MESSAGES, LANG)",
	}
}

// Host is what the machine stackgen runs on suggests as defaults when the
// user says nothing: the language it speaks and the host's time zone.
type Host struct {
	Lang     string
	TimeZone string
}

// ApplyHost makes the host's language and time zone the defaults of the
// lang and time_zone questions, so prompts show them and --yes takes them.
// A time zone that is not a valid IANA name (an odd TZ value) is ignored.
func (d *Definition) ApplyHost(h Host) {
	for i := range d.Questions {
		q := &d.Questions[i]
		switch {
		case q.Key == LangAnswer && h.Lang != "":
			q.Default = h.Lang
		case q.Key == "time_zone" && h.TimeZone != "" && TimeZone(h.TimeZone) == nil:
			q.Default = h.TimeZone
		}
	}
}
