package k8s

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/stackgen/stackgen/internal/msg"
)

// Sizes of the django-uwsgi claims; change them in the manifests (or the
// chart's values) before the first apply: a claim does not shrink.
const (
	djangoDBSize    = "10Gi"
	djangoRedisSize = "1Gi"
	djangoMediaSize = "10Gi"
)

// djangoTLSSecret holds nginx's certificate when the stack serves HTTPS.
const djangoTLSSecret = "nginx-tls"

// The compose health checks of the django-uwsgi stack (compose.yaml.tmpl).
var (
	djangoDBHealth    = health{interval: 10, timeout: 5, retries: 5, startPeriod: 60}
	djangoRedisHealth = health{interval: 10, timeout: 5, retries: 5, startPeriod: 10}
	djangoWebHealth   = health{interval: 15, timeout: 10, retries: 3, startPeriod: 120}
	djangoNginxHealth = health{interval: 15, timeout: 10, retries: 3, startPeriod: 10}
)

// djangoObjects are the django-uwsgi stack's objects. Services keep
// compose's names (db, redis, web, nginx), so the project's nginx.conf
// (upstream web:8000) and settings work unchanged; the namespace keeps
// projects apart.
func djangoObjects(b *builder) ([]object, error) {
	a := b.p.Answers
	// "app_dir" is the from-app mode's answer (stacks.AppDirAnswer): the
	// image, its uwsgi.ini and start script live in the user's project.
	if dir := a["app_dir"]; dir != "" {
		return nil, msg.Err("k8s.err.from-app", msg.Args{"Dir": dir})
	}
	if a.Bool("https") && b.o.IngressClass != "" {
		return nil, msg.Err("k8s.err.https-ingress")
	}
	if a.Bool("https") && b.o.ServiceType == "" {
		// nginx owns the certificate and the HTTP->HTTPS redirect, as in
		// compose; an Ingress in front would loop on that redirect.
		b.o.ServiceType = ServiceLoadBalancer
	}
	if a["db"] == "postgres" || a["wsgi"] == "gunicorn" || a["cache"] == "valkey" {
		// The manifests below are written for MySQL/MariaDB, uWSGI and Redis.
		return nil, msg.Err("k8s.err.django-variant", msg.Args{"DB": a["db"], "WSGI": a["wsgi"], "Cache": a["cache"]})
	}
	for _, s := range b.p.Stack.SecretsFor(a) {
		b.secretKeys = append(b.secretKeys, s.Key)
	}
	project := a["project"]

	confs := map[string]map[string]string{}
	for name, files := range map[string]map[string]string{
		"nginx-conf": {"nginx.conf": "compose/nginx/nginx.conf"},
		"mysql-conf": {"my.cnf": "compose/mysql/conf/my.cnf"},
		"mysql-init": {"init.sql": "compose/mysql/init/init.sql"},
		"redis-conf": {"redis.conf": "compose/redis/redis.conf"},
		"uwsgi-conf": {"uwsgi.ini": project + "/uwsgi.ini"},
	} {
		d, err := b.fileData(files)
		if err != nil {
			return nil, err
		}
		confs[name] = d
	}
	nginxConf, nginxCM := b.configMap("nginx-conf", "nginx", confs["nginx-conf"])
	myConf, myCM := b.configMap("mysql-conf", "db", confs["mysql-conf"])
	initConf, initCM := b.configMap("mysql-init", "db", confs["mysql-init"])
	redisConf, redisCM := b.configMap("redis-conf", "redis", confs["redis-conf"])
	uwsgiConf, uwsgiCM := b.configMap("uwsgi-conf", "web", confs["uwsgi-conf"])

	webEnv, err := b.djangoWebEnv()
	if err != nil {
		return nil, err
	}
	db, err := b.djangoDB(myConf, initConf)
	if err != nil {
		return nil, err
	}
	web := b.djangoWeb(webEnv, uwsgiConf)
	nginx, err := b.djangoNginx(nginxConf)
	if err != nil {
		return nil, err
	}

	objs := []object{
		b.namespace(),
		{"config.yaml", nginxCM}, {"config.yaml", myCM}, {"config.yaml", initCM}, {"config.yaml", redisCM}, {"config.yaml", uwsgiCM},
		{"db.yaml", b.headless("db", "db", 3306)},
		{"db.yaml", db},
		{"redis.yaml", b.headless("redis", "redis", 6379)},
		{"redis.yaml", b.djangoRedis(redisConf)},
		{"media.yaml", b.claim("media", "web", djangoMediaSize, b.o.MediaAccessMode)},
		{"migrate.yaml", b.djangoMigrate(webEnv)},
		{"web.yaml", b.service("web", "web", ServiceClusterIP, corev1.ServicePort{Name: "uwsgi", Port: 8000, TargetPort: intstr.FromInt32(8000)})},
		{"web.yaml", web},
		{"nginx.yaml", b.djangoNginxService()},
		{"nginx.yaml", nginx},
		{"networkpolicy.yaml", b.allowFrom("data-tier", []string{"db", "redis"}, []string{"web", "migrate"}, 3306, 6379)},
		{"networkpolicy.yaml", b.allowFrom("web", []string{"web"}, []string{"nginx"}, 8000)},
	}
	if b.o.ServiceType == "" {
		objs = append(objs, object{"ingress.yaml", b.ingress("nginx", "nginx", a["domain"], "nginx", 80)})
	}
	return objs, nil
}

// djangoWebEnv is what compose.yaml passes web (and the migrate Job): the
// settings from .env as values, the secrets from the Secret.
func (b *builder) djangoWebEnv() ([]corev1.EnvVar, error) {
	env := []corev1.EnvVar{b.secretRef("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY")}
	// name in the container, key in .env, and compose's default ("" with
	// required: compose refuses to start without it).
	for _, kv := range []struct {
		name, key, def string
		required       bool
	}{
		{"DJANGO_DEBUG", "DJANGO_DEBUG", "False", false},
		{"DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS", "", true},
		{"DJANGO_CSRF_TRUSTED_ORIGINS", "DJANGO_CSRF_TRUSTED_ORIGINS", "", false},
		{"DJANGO_HTTPS", "DJANGO_HTTPS", "False", false},
		{"DJANGO_SECURE_HSTS_SECONDS", "DJANGO_SECURE_HSTS_SECONDS", "3600", false},
		{"DJANGO_TIME_ZONE", "DJANGO_TIME_ZONE", "UTC", false},
		{"DJANGO_LANGUAGE_CODE", "DJANGO_LANGUAGE_CODE", "en-us", false},
		{"DJANGO_LOG_LEVEL", "DJANGO_LOG_LEVEL", "INFO", false},
		{"DB_NAME", "MYSQL_DATABASE", "", true},
		{"DB_USER", "MYSQL_USER", "", true},
	} {
		v, ok := b.env[kv.key]
		if !ok && kv.required {
			_, err := b.envValue(kv.key)
			return nil, err
		}
		if !ok {
			v = kv.def
		}
		env = append(env, corev1.EnvVar{Name: kv.name, Value: v})
	}
	return append(env,
		corev1.EnvVar{Name: "DB_HOST", Value: "db"},
		corev1.EnvVar{Name: "DB_PORT", Value: "3306"},
		b.secretRef("DB_PASSWORD", "MYSQL_PASSWORD"),
		corev1.EnvVar{Name: "REDIS_HOST", Value: "redis"},
		corev1.EnvVar{Name: "REDIS_PORT", Value: "6379"},
		b.secretRef("REDIS_PASSWORD", "REDIS_PASSWORD"),
	), nil
}

func (b *builder) djangoDB(myConf, initConf string) (any, error) {
	mariadb := b.p.Answers["db"] == "mariadb"
	check := execCheck("sh", "-c", `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysqladmin ping -h 127.0.0.1 -u root --silent`)
	if mariadb {
		// The image's own script; its healthcheck user is made on first start.
		check = execCheck("healthcheck.sh", "--connect", "--innodb_initialized")
	}
	startup, ready, live := probes(djangoDBHealth, check, 3306)
	name, err := b.envValue("MYSQL_DATABASE")
	if err != nil {
		return nil, err
	}
	user, err := b.envValue("MYSQL_USER")
	if err != nil {
		return nil, err
	}
	c := corev1.Container{
		Name:  "db",
		Image: b.images["db"],
		Env: []corev1.EnvVar{
			{Name: "MYSQL_DATABASE", Value: name},
			{Name: "MYSQL_USER", Value: user},
			b.secretRef("MYSQL_PASSWORD", "MYSQL_PASSWORD"),
			b.secretRef("MYSQL_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"),
		},
		Ports: []corev1.ContainerPort{{Name: "mysql", ContainerPort: 3306}},
		VolumeMounts: []corev1.VolumeMount{
			// A subdirectory: a fresh volume's root may hold lost+found,
			// which the server's first-start initialisation refuses.
			{Name: "data", MountPath: "/var/lib/mysql", SubPath: "mysql"},
			{Name: "conf", MountPath: "/etc/mysql/conf.d", ReadOnly: true},
			{Name: "init", MountPath: "/docker-entrypoint-initdb.d", ReadOnly: true},
		},
		StartupProbe: startup, ReadinessProbe: ready, LivenessProbe: live,
		Resources:       resources("250m", "512Mi", "1Gi"),
		SecurityContext: officialContainerSecurity(),
	}
	pod := corev1.PodSpec{
		SecurityContext: officialPodSecurity(),
		Containers:      []corev1.Container{c},
		Volumes: []corev1.Volume{
			configVolume("conf", myConf),
			configVolume("init", initConf),
		},
		// A clean shutdown flushes InnoDB; give it time.
		TerminationGracePeriodSeconds: ptr[int64](60),
	}
	return b.statefulSet("db", "db", pod, "data", djangoDBSize), nil
}

func (b *builder) djangoRedis(conf string) any {
	startup, ready, live := probes(djangoRedisHealth, execCheck("sh", "-c", "redis-cli ping | grep -q PONG"), 6379)
	c := corev1.Container{
		Name:  "redis",
		Image: b.images["redis"],
		// The password reaches the command line from the Secret through
		// $(VAR) expansion, as compose passes it from .env.
		Command: []string{"redis-server", "/usr/local/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"},
		Env: []corev1.EnvVar{
			b.secretRef("REDIS_PASSWORD", "REDIS_PASSWORD"),
			b.secretRef("REDISCLI_AUTH", "REDIS_PASSWORD"),
		},
		Ports: []corev1.ContainerPort{{Name: "redis", ContainerPort: 6379}},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "data", MountPath: "/data"},
			{Name: "conf", MountPath: "/usr/local/etc/redis", ReadOnly: true},
		},
		StartupProbe: startup, ReadinessProbe: ready, LivenessProbe: live,
		// redis.conf caps the data at maxmemory 256mb; the limit leaves room
		// for the process and a BGSAVE's copy-on-write.
		Resources:       resources("100m", "128Mi", "512Mi"),
		SecurityContext: officialContainerSecurity(),
	}
	pod := corev1.PodSpec{
		SecurityContext: officialPodSecurity(),
		Containers:      []corev1.Container{c},
		Volumes:         []corev1.Volume{configVolume("conf", conf)},
	}
	return b.statefulSet("redis", "redis", pod, "data", djangoRedisSize)
}

// djangoWebMemory is the web container's memory limit: uWSGI's processes
// (an answer) times what a Django worker uses, plus the master.
func (b *builder) djangoWebMemory() string {
	n, err := strconv.Atoi(b.p.Answers["uwsgi_processes"])
	if err != nil || n < 1 {
		n = 1
	}
	return strconv.Itoa(128*(n+1)) + "Mi"
}

// djangoAppContainer is a container of the web image with web's env.
func (b *builder) djangoAppContainer(name string, cmd []string, env []corev1.EnvVar) corev1.Container {
	return corev1.Container{
		Name:            name,
		Image:           b.images["web"],
		Command:         cmd,
		Env:             env,
		Resources:       resources("50m", "128Mi", "256Mi"),
		SecurityContext: appContainerSecurity(false),
	}
}

func (b *builder) djangoWeb(env []corev1.EnvVar, uwsgiConf string) any {
	startup, ready, live := probes(djangoWebHealth, execCheck("python", "/app/healthcheck.py"), 8000)
	waitDB := b.djangoAppContainer("wait-for-db", waitForTCP("db:3306", "redis:6379"), nil)
	// The rollout is gated on the schema: a pod starts only once the
	// migrate Job has applied every migration the image ships.
	waitMigrations := b.djangoAppContainer("wait-for-migrations", []string{"sh", "-c",
		"until python manage.py migrate --check --noinput >/dev/null; do echo 'waiting for the migrate Job to apply the migrations'; sleep 5; done"}, env)
	collect := b.djangoAppContainer("collectstatic", []string{"python", "manage.py", "collectstatic", "--noinput"}, env)
	collect.VolumeMounts = []corev1.VolumeMount{{Name: "media", MountPath: "/app/staticfiles", SubPath: "static"}}
	web := corev1.Container{
		Name:  "web",
		Image: b.images["web"],
		// uWSGI only: start.sh's migrate runs in the Job and collectstatic
		// in the init container.
		Command: []string{"uwsgi", "--ini", "/app/uwsgi.ini"},
		Env:     env,
		Ports:   []corev1.ContainerPort{{Name: "uwsgi", ContainerPort: 8000}},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "media", MountPath: "/app/media", SubPath: "media"},
			{Name: "media", MountPath: "/app/staticfiles", SubPath: "static"},
			{Name: "uwsgi", MountPath: "/app/uwsgi.ini", SubPath: "uwsgi.ini", ReadOnly: true},
		},
		StartupProbe: startup, ReadinessProbe: ready, LivenessProbe: live,
		Resources:       resources("250m", "256Mi", b.djangoWebMemory()),
		SecurityContext: appContainerSecurity(false),
	}
	pod := corev1.PodSpec{
		SecurityContext: appPodSecurity(),
		InitContainers:  []corev1.Container{waitDB, waitMigrations, collect},
		Containers:      []corev1.Container{web},
		Volumes: []corev1.Volume{
			{Name: "media", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "media"}}},
			configVolume("uwsgi", uwsgiConf),
		},
	}
	return b.deployment("web", "web", 1, pod)
}

// djangoMigrate is the migrations Job, named after the image so each new
// image gets its own Job (a Job's pod template cannot change).
func (b *builder) djangoMigrate(env []corev1.EnvVar) any {
	m := b.p.Stack.Migrate
	sum := sha256.Sum256([]byte(b.images["web"]))
	name := "migrate-" + hex.EncodeToString(sum[:])[:10]
	c := b.djangoAppContainer("migrate", m.Command, env)
	pod := corev1.PodSpec{
		SecurityContext: appPodSecurity(),
		RestartPolicy:   corev1.RestartPolicyNever,
		InitContainers:  []corev1.Container{b.djangoAppContainer("wait-for-db", waitForTCP("db:3306"), nil)},
		Containers:      []corev1.Container{c},
	}
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: b.labels("migrate"), Annotations: map[string]string{
			"stackgen.dev/image": b.images["web"],
		}},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr[int32](6),
			TTLSecondsAfterFinished: ptr[int32](7 * 24 * 3600),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.labels("migrate")},
				Spec:       pod,
			},
		},
	}
}

func (b *builder) djangoNginxService() *corev1.Service {
	a := b.p.Answers
	port := func(key string, def int32) int32 {
		// With an Ingress the Service is internal and keeps nginx's ports;
		// otherwise it answers on the ports the user chose for the host.
		if b.o.ServiceType == "" {
			return def
		}
		n, err := strconv.Atoi(a[key])
		if err != nil {
			return def
		}
		return int32(n)
	}
	ports := []corev1.ServicePort{{Name: "http", Port: port("http_port", 80), TargetPort: intstr.FromInt32(80)}}
	if a.Bool("https") {
		ports = append(ports, corev1.ServicePort{Name: "https", Port: port("https_port", 443), TargetPort: intstr.FromInt32(443)})
	}
	return b.service("nginx", "nginx", b.entryType(), ports...)
}

func (b *builder) djangoNginx(conf string) (any, error) {
	a := b.p.Answers
	check := corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/healthz", Port: intstr.FromInt32(80),
		HTTPHeaders: []corev1.HTTPHeader{{Name: "Host", Value: a["domain"]}},
	}}
	startup, ready, live := probes(djangoNginxHealth, check, 80)
	// nginx's /healthz asks Django: waiting for it at start-up would tie
	// nginx's start to web's, so the startup probe only needs the port.
	startup.ProbeHandler = live.ProbeHandler
	c := corev1.Container{
		Name:  "nginx",
		Image: b.images["proxy"],
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "conf", MountPath: "/etc/nginx/conf.d", ReadOnly: true},
			{Name: "media", MountPath: "/usr/share/nginx/html/media", SubPath: "media", ReadOnly: true},
			{Name: "media", MountPath: "/usr/share/nginx/html/static", SubPath: "static", ReadOnly: true},
		},
		StartupProbe: startup, ReadinessProbe: ready, LivenessProbe: live,
		Resources:       resources("50m", "64Mi", "256Mi"),
		SecurityContext: officialContainerSecurity(),
	}
	vols := []corev1.Volume{
		configVolume("conf", conf),
		{Name: "media", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "media", ReadOnly: true}}},
	}
	if a.Bool("https") {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: "https", ContainerPort: 443})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "tls", MountPath: "/usr/share/nginx/ssl", ReadOnly: true})
		// A kubernetes.io/tls Secret (kubectl create secret tls nginx-tls
		// --cert=fullchain.pem --key=privkey.pem) under the file names
		// nginx.conf reads.
		vols = append(vols, corev1.Volume{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: djangoTLSSecret,
			Items: []corev1.KeyToPath{
				{Key: corev1.TLSCertKey, Path: "fullchain.pem"},
				{Key: corev1.TLSPrivateKeyKey, Path: "privkey.pem"},
			},
		}}})
	}
	pod := corev1.PodSpec{
		SecurityContext: officialPodSecurity(),
		Containers:      []corev1.Container{c},
		Volumes:         vols,
	}
	return b.deployment("nginx", "nginx", 1, pod), nil
}

func configVolume(name, configMap string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: configMap},
	}}}
}
