package validate

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/stackgen/stackgen/internal/currency"
	"github.com/stackgen/stackgen/internal/msg"
	manifest "github.com/stackgen/stackgen/project"
)

// Image currency: pins the dated table in internal/currency flags (end of
// life, a known CVE, a licence that changed), and the per-project
// silences of .stackgen.yml that accept one such finding each.

// currencyFinding is the finding for one flagged image reference, said
// through the catalogue, the table's note and advice included.
func currencyFinding(file string, line int, who any, ref string, r currency.Row) Finding {
	lineID, note := "validate.image-currency.line", any("")
	switch {
	case r.Family == "minio":
		lineID = "validate.image-currency.line-minio"
	case r.Below != "":
		lineID = "validate.image-currency.line-below"
	}
	if r.Note != "" {
		note = msg.Sub{ID: "currency.note", Args: msg.Args{"Note": msg.Sub{ID: r.Note}}}
	}
	args := msg.Args{
		"Who": who, "Ref": ref, "Date": r.Date, "Note": note, "Source": r.Source, "Written": currency.Written,
		"Line":     msg.Sub{ID: lineID, Args: msg.Args{"Family": r.Family, "Line": r.Line, "Below": r.Below}},
		"Status":   msg.Sub{ID: "currency.status." + string(r.Status)},
		"Instead":  msg.Sub{ID: r.Instead},
		"Manifest": manifest.ManifestName,
	}
	f := tr(file, line, "validate.image-currency.msg", args).withFix("validate.image-currency.fix-pin")
	f.Subject = ref
	return f
}

func checkImageCurrency(p *parsedSet) []Finding {
	var out []Finding
	for _, m := range p.loadedModels() {
		for _, s := range m.services() {
			if s.Image == "" || s.Build != nil || strings.Contains(s.Image, placeholderValue) {
				continue // a built image is named by the project, not a release
			}
			if r, ok := currency.Check(s.Image); ok {
				file, line := m.locate("services", s.Name, "image")
				out = append(out, currencyFinding(file, line, msg.Sub{ID: "validate.image-currency.who-service", Args: msg.Args{"Service": q(s.Name)}}, s.Image, r))
			}
		}
	}
	for _, w := range p.workloads() {
		for _, c := range append(append([]corev1.Container{}, w.spec.InitContainers...), w.spec.Containers...) {
			if r, ok := currency.Check(c.Image); ok {
				out = append(out, currencyFinding(w.doc.file, w.doc.Line, msg.Sub{ID: "validate.image-currency.who-container", Args: msg.Args{"Workload": w.where(), "Container": c.Name}}, c.Image, r))
			}
		}
	}
	for _, d := range p.dockerfiles {
		seen := map[string]bool{} // a build and a runtime stage on one base: one finding
		for _, st := range d.stages {
			if st.fromStage || seen[st.image] || strings.Contains(st.image, "$") {
				continue
			}
			seen[st.image] = true
			if r, ok := currency.Check(st.image); ok {
				out = append(out, currencyFinding(d.path, st.line, "FROM", st.image, r))
			}
		}
	}
	return out
}

// silences reads the silence: entries of the set's manifest, if any.
func (p *parsedSet) silences() []manifest.Silence {
	f, ok := p.files[manifest.ManifestName]
	if !ok {
		return nil
	}
	m, err := manifest.ParseManifest(manifest.ManifestName, f.Content)
	if err != nil {
		return nil // not a stackgen manifest: nothing is silenced
	}
	return m.Silence
}

func checkSilenceInvalid(p *parsedSet) []Finding {
	var out []Finding
	for i, s := range p.silences() {
		var missing []string
		for _, kv := range [][2]string{{"rule", s.Rule}, {"subject", s.Subject}, {"reason", s.Reason}} {
			if strings.TrimSpace(kv[1]) == "" {
				missing = append(missing, kv[0])
			}
		}
		if len(missing) > 0 {
			out = append(out, tr(manifest.ManifestName, 0, "validate.silence-invalid.missing", msg.Args{"Index": i, "Keys": strings.Join(missing, ", ")}))
		}
		// an unknown rule is reported by applySilences, which may look
		// at the rule table without an initialization cycle
	}
	return out
}

// checkSilenceUnused is evaluated by applySilences, which alone sees the
// other rules' findings.
func checkSilenceUnused(*parsedSet) []Finding { return nil }

const silenceUnusedRule = "silence-unused"

// SilencedFinding is a finding the project accepts, with its reason.
type SilencedFinding struct {
	Finding
	Reason string `json:"reason"`
}

// applySilences removes the findings the manifest accepts (one entry, one
// finding: the first of that rule and subject) and reports entries that
// matched nothing, so a silence does not outlive its finding unseen.
func applySilences(p *parsedSet, in []Finding) (kept []Finding, silenced []SilencedFinding) {
	entries := p.silences()
	used := make([]bool, len(entries))
	for _, f := range in {
		hit := -1
		for i, s := range entries {
			if !used[i] && f.Subject != "" && s.Rule == f.Rule && s.Subject == f.Subject && strings.TrimSpace(s.Reason) != "" {
				hit = i
				break
			}
		}
		if hit < 0 {
			kept = append(kept, f)
			continue
		}
		used[hit] = true
		silenced = append(silenced, SilencedFinding{Finding: f, Reason: entries[hit].Reason})
	}
	info, invalid := ruleInfo(silenceUnusedRule), ruleInfo("silence-invalid")
	for i, s := range entries {
		if used[i] || s.Rule == "" || s.Subject == "" || strings.TrimSpace(s.Reason) == "" {
			continue // reported by checkSilenceInvalid
		}
		if !knownRule(s.Rule) {
			f := tr(manifest.ManifestName, 0, "validate.silence-invalid.unknown-rule", msg.Args{"Index": i, "Rule": q(s.Rule)}).withRuleFix(invalid.ID)
			f.Rule, f.Severity = invalid.ID, invalid.Severity
			kept = append(kept, f)
			continue
		}
		f := tr(manifest.ManifestName, 0, "validate.silence-unused.msg", msg.Args{"Index": i, "Rule": s.Rule, "Subject": s.Subject}).withRuleFix(info.ID)
		f.Rule, f.Severity = info.ID, info.Severity
		kept = append(kept, f)
	}
	return kept, silenced
}

func knownRule(id string) bool { return ruleInfo(id).ID != "" }

func ruleInfo(id string) rule {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	return rule{}
}
