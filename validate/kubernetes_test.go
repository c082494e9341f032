package validate

import (
	"fmt"
	"testing"
)

func TestKubernetesRules(t *testing.T) { runCases(t, kubernetesCases()) }

// A StatefulSet in the shape kompose and tutorials write, varied per case.
const k8sDB = `
	apiVersion: apps/v1
	kind: StatefulSet
	metadata:
	  name: db
	spec:
	  serviceName: db
	  selector:
	    matchLabels: {app: db}
	  template:
	    metadata:
	      labels: {app: db}
	    spec:
	      containers:
	      - name: db
	        image: %s
	        volumeMounts:
	        - name: %s
	          mountPath: %s
	      volumes:
	      - name: scratch
	        emptyDir: {}
	  volumeClaimTemplates:
	  - metadata:
	      name: data
	    spec:
	      accessModes: [ReadWriteOnce]
	      resources:
	        requests:
	          storage: 1Gi
`

func k8sDBFile(image, volume, mount string) string {
	return fmt.Sprintf(k8sDB, image, volume, mount)
}

func k8sDeployment(container string) string {
	return `
	apiVersion: apps/v1
	kind: Deployment
	metadata:
	  name: web
	spec:
	  selector:
	    matchLabels: {app: web}
	  template:
	    metadata:
	      labels: {app: web}
	    spec:
	      containers:
` + container
}

func kubernetesCases() []ruleCase {
	return []ruleCase{
		{"k8s-schema", "typo in a Deployment", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	        imagePullPolice: Always
	`))), true},
		{"k8s-schema", "custom resources and valid objects pass", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	---
	apiVersion: cert-manager.io/v1
	kind: Certificate
	metadata:
	  name: c
	spec:
	  anything: goes
	`))), false},
		{"k8s-schema", "a Helm chart's templates are not judged", files(
			file("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n"),
			file("chart/templates/web.yaml", k8sDeployment(`
	      - name: web
	        image: {{ .Values.image | quote }}
	`))), false},
		{"k8s-schema", "broken YAML", files(file("k8s/web.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n")), true},
		{"k8s-db-without-claim", "mysql on emptyDir", files(file("k8s/db.yaml", k8sDBFile("mysql:8.4", "scratch", "/var/lib/mysql"))), true},
		{"k8s-db-without-claim", "postgres claim mounted elsewhere", files(file("k8s/db.yaml", k8sDBFile("postgres:17", "data", "/backups"))), true},
		{"k8s-db-without-claim", "mysql on its claim template, with a subPath", files(file("k8s/db.yaml", k8sDBFile("mysql:8.4", "data", "/var/lib/mysql"))), false},
		{"k8s-db-without-claim", "postgres data under the claim's mount", files(file("k8s/db.yaml", k8sDBFile("postgres:17", "data", "/var/lib/postgresql/data"))), false},
		{"k8s-db-without-claim", "redis without persistence", files(file("k8s/cache.yaml", k8sDeployment(`
	      - name: cache
	        image: redis:7.4
	        args: ["--save", "", "--appendonly", "no"]
	`))), false},
		{"k8s-db-without-claim", "redis Deployment with no volume", files(file("k8s/cache.yaml", k8sDeployment(`
	      - name: cache
	        image: redis:7.4
	`))), true},
		{"k8s-secret-in-configmap", "password in a ConfigMap", files(file("k8s/config.yaml", `
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: env
	data:
	  DB_HOST: db
	  DB_PASSWORD: hunter2hunter2
	`)), true},
		{"k8s-secret-in-configmap", "URL with a password", files(file("k8s/config.yaml", `
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: env
	data:
	  DATABASE_URL: postgres://app:s3cretvalue@db:5432/app
	`)), true},
		{"k8s-secret-in-configmap", "settings and a secret's file name", files(file("k8s/config.yaml", `
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: env
	data:
	  DB_HOST: db
	  DB_PASSWORD_FILE: /run/secrets/db
	  ALLOW_EMPTY_PASSWORD: "no"
	`)), false},
		{"k8s-liveness-kills-start", "liveness with the API's defaults, no startup probe", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	        livenessProbe:
	          tcpSocket: {port: 8000}
	`))), true},
		{"k8s-liveness-kills-start", "short delay and threshold", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	        livenessProbe:
	          httpGet: {path: /healthz, port: 8000}
	          initialDelaySeconds: 15
	          periodSeconds: 10
	          failureThreshold: 3
	`))), true},
		{"k8s-liveness-kills-start", "guarded by a startup probe", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	        startupProbe:
	          tcpSocket: {port: 8000}
	          failureThreshold: 60
	        livenessProbe:
	          tcpSocket: {port: 8000}
	`))), false},
		{"k8s-liveness-kills-start", "a long initial delay", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	        livenessProbe:
	          tcpSocket: {port: 8000}
	          initialDelaySeconds: 120
	`))), false},
		{"k8s-image-latest", "latest", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:latest
	`))), true},
		{"k8s-image-latest", "untagged init container", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: web:1.0
	      initContainers:
	      - name: wait
	        image: busybox
	`))), true},
		{"k8s-image-latest", "tag and digest", files(file("k8s/web.yaml", k8sDeployment(`
	      - name: web
	        image: registry.example:5000/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	`))), false},
	}
}
