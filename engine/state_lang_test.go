package engine

import (
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
)

// A service's state reads in the reader's language, while Detail keeps
// the English the phase logic and --json read.
func TestStateIsSaidInEitherLanguage(t *testing.T) {
	var tr tracked
	tr.state("engine.state.exited", msg.Args{"Code": 1})
	tr.state("engine.state.restarted", msg.Args{"State": tr.say, "Times": 2})
	if tr.detail != "exited with code 1, restarted 2 times" {
		t.Errorf("Detail = %q", tr.detail)
	}
	if zh := msg.New(msg.Zh).T(tr.say.ID, tr.say.Args); zh != "已退出，退出码 1，已重启 2 次" {
		t.Errorf("zh = %q", zh)
	}
	tr.state("engine.state.restarted", msg.Args{"State": msg.Sub{ID: "engine.state.healthy"}, "Times": 1})
	if tr.detail != "healthy, restarted once" {
		t.Errorf("Detail = %q, want the wording the phase logic's prefixes match", tr.detail)
	}
	var s ServiceState
	s.state("engine.state.stale", msg.Args{"State": msg.Sub{ID: "engine.state.health-starting"}})
	if s.Detail != "waiting for compose (health: starting from an earlier run)" || msg.New(msg.Zh).T(s.Say.ID, s.Say.Args) != "等待 compose（健康检查：启动中，来自上一次运行）" {
		t.Errorf("stale = %q / %q", s.Detail, msg.New(msg.Zh).T(s.Say.ID, s.Say.Args))
	}
}

func TestSwarmStateIsSaidInEitherLanguage(t *testing.T) {
	s := SwarmService{Name: "web", Running: 1, Desired: 2, Update: "updating", UpdateMessage: "update in progress", TaskErrors: []string{"task: non-zero exit (1)"}}
	if got := swarmDetail(s); got != "1/2 running, update updating (update in progress); last task error: task: non-zero exit (1)" {
		t.Errorf("English = %q", got)
	}
	say := s.Say()
	if zh := msg.New(msg.Zh).T(say.ID, say.Args); zh != "1/2 运行中，更新状态 updating（update in progress）；最近一次任务错误：task: non-zero exit (1)" {
		t.Errorf("zh = %q", zh)
	}
	if got := swarmDetail(SwarmService{Name: "db", Desired: 1, Job: true, Update: swarmNotCreated}); got != "0/1 completed, update not created yet" {
		t.Errorf("not created = %q", got)
	}
}
