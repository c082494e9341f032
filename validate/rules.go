package validate

// rule is one check: its id, its severity and the small function that
// finds it. Its documentation (what, why, fix) is in the message catalogue
// as validate.rule.<id>.what/.why/.fix, so it reads in the user's language;
// the README is written from the English. The function returns findings
// with File, Line and Message (and a Fix only when a specific one beats
// the table's); Files fills in the rest.
type rule struct {
	ID       string
	Severity Severity
	check    func(*parsedSet) []Finding
}

// rules is the rule set, in the order the README documents it. To add a
// rule: write one check function, add one line here, its what/why/fix to
// internal/msg/locales/{en,zh}/validate.yaml, its cases to the area's table
// test, and run the README test with -update-readme.
var rules = [...]rule{
	// compose
	{"compose-load", Error, checkComposeLoad},
	{"compose-undefined-var", Error, checkUndefinedVar},
	{"compose-depends-missing", Error, checkDependsMissing},
	{"compose-healthcheck-missing", Error, checkHealthcheckMissing},
	{"compose-no-healthcheck", Warning, checkNoHealthcheck},
	{"compose-depends-started", Warning, checkDependsStarted},
	{"compose-undeclared-volume", Error, checkUndeclaredVolume},
	{"compose-undeclared-network", Error, checkUndeclaredNetwork},
	{"compose-undeclared-secret", Error, checkUndeclaredSecret},
	{"compose-db-port-public", Error, checkDBPortPublic},
	{"compose-port-bypasses-proxy", Warning, checkPortBypassesProxy},
	{"compose-image-latest", Error, checkImageLatest},
	{"image-currency", Warning, checkImageCurrency},
	{"compose-container-name", Warning, checkContainerName},
	{"compose-version-obsolete", Warning, checkVersionObsolete},
	{"compose-links", Warning, checkLinks},
	{"compose-restart-always", Warning, checkRestartAlways},
	{"compose-tty", Warning, checkTTY},
	{"compose-plain-secret", Error, checkPlainSecret},
	{"compose-healthcheck-binary", Error, checkHealthcheckBinary},
	{"compose-healthcheck-binary-unsure", Warning, checkHealthcheckBinaryUnsure},
	{"compose-env-file-missing", Error, checkEnvFileMissing},
	{"compose-env-mounted", Warning, checkEnvMounted},
	{"compose-secret-unused", Warning, checkSecretUnused},
	{"compose-role", Warning, checkRoleDeclared},
	{"compose-next-public-runtime", Warning, checkNextPublicRuntime},
	// Dockerfile
	{"dockerfile-parse", Error, checkDockerfileParse},
	{"dockerfile-base-unpinned", Error, checkBaseUnpinned},
	{"dockerfile-root-user", Error, checkRootUser},
	{"dockerfile-shell-form", Warning, checkShellForm},
	{"dockerfile-add-local", Warning, checkAddLocal},
	{"dockerfile-maintainer", Warning, checkMaintainer},
	{"dockerfile-apt-recommends", Warning, checkAptRecommends},
	{"dockerfile-apt-lists", Warning, checkAptLists},
	{"dockerfile-apt-trap", Error, checkAptTrap},
	{"dockerfile-sed-cr", Error, checkSedCR},
	{"dockerfile-no-cmd", Warning, checkNoCmd},
	{"dockerfile-base-full", Warning, checkBaseFull},
	{"dockerfile-syntax-directive", Warning, checkSyntaxDirective},
	{"dockerfile-context-missing", Error, checkContextMissing},
	// cross-file
	{"nginx-parse", Error, checkNginxParse},
	{"nginx-upstream-unknown", Error, checkNginxUpstreamUnknown},
	{"nginx-uwsgi-protocol", Error, checkNginxUwsgiProtocol},
	{"nginx-proxy-header-uwsgi", Warning, checkNginxProxyHeaderUwsgi},
	{"nginx-ip-hash-single", Warning, checkNginxIPHashSingle},
	{"nginx-server-name-ip", Warning, checkNginxServerNameIP},
	{"nginx-long-timeout", Warning, checkNginxLongTimeout},
	{"uwsgi-unknown-option", Warning, checkUwsgiUnknownOption},
	{"uwsgi-daemonize", Error, checkUwsgiDaemonize},
	{"mycnf-invalid-option", Error, checkMycnfInvalidOption},
	{"mycnf-utf8", Warning, checkMycnfUTF8},
	{"redis-bind-loopback", Error, checkRedisBindLoopback},
	{"redis-requirepass-file", Error, checkRedisRequirepassFile},
	{"start-daemonize", Error, checkStartDaemonize},
	{"start-makemigrations", Warning, checkStartMakemigrations},
	{"start-no-exec", Warning, checkStartNoExec},
	{"initsql-duplicate-user", Error, checkInitSQLDuplicateUser},
	{"initsql-hardcoded-password", Error, checkInitSQLPassword},
	{"initsql-missing-extension", Error, checkInitSQLExtension},
	{"django-hardcoded-secret", Error, checkDjangoHardcodedSecret},
	{"django-app-files", Error, checkDjangoAppFiles},
	{"silence-invalid", Error, checkSilenceInvalid},
	{"silence-unused", Warning, checkSilenceUnused},
	// Kubernetes manifests
	{"k8s-schema", Error, checkK8sSchema},
	{"k8s-db-without-claim", Error, checkK8sDBWithoutClaim},
	{"k8s-secret-in-configmap", Error, checkK8sSecretInConfigMap},
	{"k8s-liveness-kills-start", Error, checkK8sLivenessKillsStart},
	{"k8s-image-latest", Error, checkK8sImageLatest},
	// files
	{"env-mode", Error, checkEnvMode},
	{"env-not-ignored", Error, checkEnvNotIgnored},
	{"env-example-keys", Warning, checkEnvExampleKeys},
	{"env-weak-secret", Error, checkEnvWeakSecret},
	{"script-shebang", Warning, checkScriptShebang},
	{"script-set-e", Warning, checkScriptSetE},
	{"script-crlf", Error, checkScriptCRLF},
	{"script-exec-bit", Warning, checkScriptExecBit},
	{"script-bgsave-nowait", Error, checkScriptBgsaveNoWait},
	{"script-exec-tty", Error, checkScriptExecTTY},
	{"script-save-unknown-image", Error, checkScriptSaveUnknownImage},
}
