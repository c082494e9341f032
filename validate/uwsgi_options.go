package validate

import "strings"

// uwsgiOptions names the uWSGI options (core, python plugin, HTTP router)
// a Django deployment plausibly uses. It is a curated list, not uWSGI's
// full one, which is why unknown names are only warnings and whole option
// families are accepted by prefix below.
const uwsgiOptions = `
socket uwsgi-socket s http-socket http https http11-socket https-socket suwsgi-socket ssl-socket
fastcgi-socket scgi-socket raw-socket puwsgi-socket protocol socket-protocol shared-socket
chmod-socket chown-socket umask freebind listen l max-vars max-apps buffer-size b
post-buffering post-buffering-bufsize body-read-warning upload-progress no-default-app
manage-script-name ignore-script-name catch-exceptions stats stats-server master M
processes p workers cheaper cheaper-initial cheaper-algo cheaper-step cheaper-overload
idle die-on-idle die-on-term die-on-exit mule mules farm threads enable-threads T
single-interpreter i lazy lazy-apps cheap need-app strict vacuum harakiri harakiri-verbose
hara-kiri max-requests max-requests-delta max-worker-lifetime max-worker-lifetime-delta
min-worker-lifetime reload-on-as reload-on-rss evil-reload-on-as evil-reload-on-rss
reload-mercy worker-reload-mercy mule-reload-mercy limit-as limit-nproc limit-post
memory-report uid gid chdir chdir2 chroot cap unshare home virtualenv venv pyhome H module
wsgi-file file wsgi w callable mount pythonpath python-path pp pymodule-alias pyimport
pyargv env unenv vhost vhost-host daemonize daemonize2 logto logto2 logfile-chown
logfile-chmod logformat logdate pidfile pidfile2 touch-reload touch-logreopen fs-reload
route plugin plugins plugin-dir plugins-dir autoload need-plugin need-plugins ini yaml json
xml include inherit set declare-option for endfor endif print thunder-lock reuse-port
tcp-nodelay so-keepalive socket-timeout z add-header del-header collect-header pull-header
auto-procname procname procname-prefix procname-prefix-spaced procname-append
procname-master no-orphans skip-atexit skip-atexit-teardown worker-exec master-fifo master-as-root cron
unique-cron cron2 spooler spooler-processes spooler-frequency attach-daemon attach-daemon2
smart-attach-daemon smart-attach-daemon2 cache cache2 cache-blocksize queue sharedarea
lock-engine ftok sendfile-mode close-on-exec close-on-exec2 enable-proxy-protocol
disable-write-exception ignore-sigpipe ignore-write-errors async ugreen gevent
gevent-early-monkey-patch asyncio greenlet tornado max-fd cpu-affinity show-config
check-interval backtrace-depth cgroup namespace exit-on-reload reload-on-fd
brutal-reload-on-fd add-cache-item load-file-in-cache mime-file honour-range
chunked-input-limit chunked-input-timeout honour-stdin req-logger logger log-master
disable-logging memory-report offload-threads file-serve-mode static-map static-map2
static-index static-expires static-gzip static-gzip-all check-static safe-pidfile
safe-pidfile2 hook-accepting1-once emperor vassals-include wsgi-env-behaviour
wsgi-env-behavior py-call-osafterfork buffer-size optimize O secure-file
`

// uwsgiOptionFamilies are prefixes under which uWSGI defines many options
// (hook-*, log-*, http-*, ...); names in them are not flagged.
var uwsgiOptionFamilies = [...]string{
	"hook-", "exec-", "call-", "cheaper-", "legion", "emperor-", "spooler-", "stats-", "log-", "logger-",
	"route-", "response-route", "final-route", "error-route", "http-", "https-", "cache-", "py-", "python-",
	"static-", "touch-", "attach-", "subscribe-", "subscription-", "fastrouter-", "rawrouter-",
	"sslrouter-", "metrics-", "carbon-", "alarm-", "master-", "worker-", "mule-", "socket-", "ssl-",
	"if-", "lazy-", "cgroup-", "reload-", "harakiri-", "thunder-", "offload-", "so-", "tcp-", "check-",
	"vassal-", "wsgi-", "cron-", "max-", "min-", "limit-", "procname-", "disable-", "enable-", "pymodule-",
	"chunked-", "plugins-", "unix-", "uwsgi-", "ksm", "threads-", "thread-", "vacuum", "gevent-",
}

// isUwsgiOption reports whether name (normalised to dashes) is a uWSGI
// option this package knows, exactly or by family.
func isUwsgiOption(name string) bool {
	for _, o := range strings.Fields(uwsgiOptions) {
		if o == name {
			return true
		}
	}
	for _, f := range uwsgiOptionFamilies {
		if strings.HasPrefix(name, f) {
			return true
		}
	}
	return false
}
