package k8s

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/stackgen/stackgen/fileset"

	"github.com/stackgen/stackgen/internal/msg"
)

// OnyxV4ChartVersion is the release of Onyx's chart ("onyx", the 0.8 line:
// OpenSearch, CloudNativePG, the ingress-nginx and opstree Redis
// subcharts) whose values.yaml the v4 keys below come from.
const OnyxV4ChartVersion = "0.8.14"

// onyxV4Chart is the subset of chart 0.8's values this export sets; the
// tests decode the file strictly into it, so only keys the chart has can
// be written. Lists (extraEnvs) replace the chart's default in full.
type onyxV4Chart struct {
	Global struct {
		Version    string `json:"version"`
		PullPolicy string `json:"pullPolicy"`
	} `json:"global"`
	Postgresql struct {
		Cluster struct {
			Storage struct {
				StorageClass string `json:"storageClass"`
			} `json:"storage"`
			SuperuserSecret struct {
				Name string `json:"name"`
			} `json:"superuserSecret"`
		} `json:"cluster"`
	} `json:"postgresql"`
	VectorDB struct {
		Enabled bool `json:"enabled"`
	} `json:"vectorDB"`
	Vespa struct {
		Enabled bool `json:"enabled"`
	} `json:"vespa"`
	OpenSearch struct {
		Enabled     bool            `json:"enabled"`
		ExtraEnvs   []corev1.EnvVar `json:"extraEnvs,omitempty"`
		Persistence *struct {
			StorageClass string `json:"storageClass"`
		} `json:"persistence,omitempty"`
		JavaOpts string     `json:"opensearchJavaOpts,omitempty"`
		Image    *onyxImage `json:"image,omitempty"`
	} `json:"opensearch"`
	Persistent struct {
		StorageClassName string `json:"storageClassName"`
	} `json:"persistent"`
	InferenceCapability onyxImageOnly     `json:"inferenceCapability"`
	IndexCapability     onyxImageOnly     `json:"indexCapability"`
	Webserver           onyxImageOnly     `json:"webserver"`
	API                 onyxImageOnly     `json:"api"`
	CelerySharedV4      onyxImageOnly     `json:"celery_shared"`
	Slackbot            onyxToggle        `json:"slackbot"`
	MCPServer           onyxToggleImage   `json:"mcpServer"`
	CodeInterpreter     onyxToggleImage   `json:"codeInterpreter"`
	Redis               onyxV4Redis       `json:"redis"`
	Minio               onyxV4Minio       `json:"minio"`
	Nginx               onyxV4Nginx       `json:"nginx"`
	Ingress             onyxV4Ingress     `json:"ingress"`
	Auth                onyxV4AuthSecrets `json:"auth"`
	ConfigMap           map[string]string `json:"configMap"`
}

// onyxImageOnly is a component whose image is set, or left to the chart
// (nil: Onyx's published image at global.version).
type onyxImageOnly struct {
	Image *onyxImage `json:"image,omitempty"`
}

type onyxToggle struct {
	Enabled bool `json:"enabled"`
}

type onyxToggleImage struct {
	Enabled bool       `json:"enabled"`
	Image   *onyxImage `json:"image,omitempty"`
}

// onyxImage is the image setting of the chart's components and of the
// OpenSearch and MinIO subcharts alike.
type onyxImage struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// optionalImage is the image setting for key, nil when the project has no
// such image.
func optionalImage(images map[string]string, key string) (*onyxImage, error) {
	ref := images[key]
	if ref == "" {
		return nil, nil
	}
	repo, tag, err := repoTag(key, ref)
	if err != nil {
		return nil, err
	}
	return &onyxImage{repo, tag}, nil
}

type onyxV4Redis struct {
	Enabled         bool `json:"enabled"`
	RedisStandalone *struct {
		RedisSecret struct {
			SecretName string `json:"secretName"`
			SecretKey  string `json:"secretKey"`
		} `json:"redisSecret"`
	} `json:"redisStandalone,omitempty"`
	StorageSpec *struct {
		VolumeClaimTemplate struct {
			Spec struct {
				StorageClassName string `json:"storageClassName"`
			} `json:"spec"`
		} `json:"volumeClaimTemplate"`
	} `json:"storageSpec,omitempty"`
}

type onyxV4Minio struct {
	Enabled        bool       `json:"enabled"`
	ExistingSecret string     `json:"existingSecret,omitempty"`
	Image          *onyxImage `json:"image,omitempty"`
	Persistence    *struct {
		StorageClass string `json:"storageClass"`
	} `json:"persistence,omitempty"`
}

type onyxV4Nginx struct {
	Controller struct {
		ExtraEnvs []corev1.EnvVar `json:"extraEnvs"`
		Service   struct {
			Type string `json:"type"`
		} `json:"service"`
	} `json:"controller"`
}

type onyxHost struct {
	Host string `json:"host"`
}

type onyxV4Ingress struct {
	Enabled   bool      `json:"enabled"`
	ClassName string    `json:"className,omitempty"`
	API       *onyxHost `json:"api,omitempty"`
	Webserver *onyxHost `json:"webserver,omitempty"`
}

// onyxV4AuthSecrets are the chart's auth entries, by the names its
// values.yaml gives them (a struct, not a map, so a misspelt one fails
// the strict decoding).
type onyxV4AuthSecrets struct {
	Postgresql    onyxV4Auth `json:"postgresql"`
	Redis         onyxV4Auth `json:"redis"`
	Objectstorage onyxV4Auth `json:"objectstorage"`
	OAuth         onyxV4Auth `json:"oauth"`
	OpenSearch    onyxV4Auth `json:"opensearch"`
	Userauth      onyxV4Auth `json:"userauth"`
}

// onyxV4Auth is one entry of the chart's auth map (postgresql, redis,
// objectstorage, oauth, opensearch, userauth): every Secret the chart
// reads, here all the one existing Secret made from secret.env.
type onyxV4Auth struct {
	Enabled        bool   `json:"enabled"`
	ExistingSecret string `json:"existingSecret,omitempty"`
}

// onyxV4Values writes the values of chart 0.8 (OpenSearch) for an Onyx v4
// project.
func onyxV4Values(p Source, o Options) (fileset.Set, error) {
	a := p.Answers
	env, err := readEnv(p)
	if err != nil {
		return nil, err
	}
	images, err := onyxImages(p, o)
	if err != nil {
		return nil, err
	}
	lite := a["profile"] == "lite"
	store := a["file_store"]
	sc := o.StorageClass

	var v onyxV4Chart
	v.Global.Version = a["onyx_version"]
	v.Global.PullPolicy = "IfNotPresent"
	for _, c := range []struct {
		dst *onyxImageOnly
		key string
	}{
		{&v.API, "backend"}, {&v.CelerySharedV4, "backend"}, {&v.Webserver, "web_server"},
		// Lite has no model_server image: the chart's default stays.
		{&v.InferenceCapability, "model_server"}, {&v.IndexCapability, "model_server"},
	} {
		if c.dst.Image, err = optionalImage(images, c.key); err != nil {
			return nil, err
		}
	}
	// The compose stack runs no Slack bot; MCP and the code interpreter
	// follow their answers.
	v.Slackbot.Enabled = false
	v.MCPServer.Enabled = a.Bool("mcp_server")
	v.CodeInterpreter.Enabled = a.Bool("code_interpreter")
	if v.CodeInterpreter.Enabled {
		if v.CodeInterpreter.Image, err = optionalImage(images, "code_interpreter"); err != nil {
			return nil, err
		}
	}
	if v.MCPServer.Enabled {
		// The MCP server runs the backend image (its default would be
		// Onyx's published one even when backend is built from source).
		if v.MCPServer.Image, err = optionalImage(images, "backend"); err != nil {
			return nil, err
		}
	}

	// One Secret holds every key; secretPairs are its chart keys and the
	// .env keys they come from.
	use := func(a *onyxV4Auth) { *a = onyxV4Auth{Enabled: true, ExistingSecret: OnyxSecretName} }
	off := func(a *onyxV4Auth) { *a = onyxV4Auth{Enabled: false} }
	// CloudNativePG's superuser secret: the keys username and password,
	// and the superuser is postgres.
	secretPairs := [][2]string{{"username", "=postgres"}, {"password", "POSTGRES_PASSWORD"}}
	use(&v.Auth.Postgresql)
	v.Postgresql.Cluster.SuperuserSecret.Name = OnyxSecretName
	v.Postgresql.Cluster.Storage.StorageClass = sc
	v.Persistent.StorageClassName = sc
	secretPairs = append(secretPairs, [2]string{"user_auth_secret", "USER_AUTH_SECRET"})
	use(&v.Auth.Userauth)

	// The chart deploys Vespa by default still; v4 indexes into OpenSearch.
	v.Vespa.Enabled = false
	v.ConfigMap = map[string]string{}
	if lite {
		// Onyx Lite: no search index, no Redis, no background workers
		// (the chart's vectorDB switch). The inference model server still
		// runs, unused: the chart has no switch for it.
		v.VectorDB.Enabled = false
		v.OpenSearch.Enabled = false
		off(&v.Auth.OpenSearch)
		v.Redis.Enabled = false
		off(&v.Auth.Redis)
		for _, k := range []string{"CACHE_BACKEND", "AUTH_BACKEND"} {
			v.ConfigMap[k] = "postgres"
		}
		// As compose's lite overlay: Onyx does not call a model server.
		v.ConfigMap["DISABLE_MODEL_SERVER"] = "true"
	} else {
		v.VectorDB.Enabled = true
		v.OpenSearch.Enabled = true
		use(&v.Auth.OpenSearch)
		secretPairs = append(secretPairs,
			[2]string{"opensearch_admin_username", "=admin"},
			[2]string{"opensearch_admin_password", "OPENSEARCH_ADMIN_PASSWORD"})
		v.OpenSearch.ExtraEnvs = []corev1.EnvVar{{Name: "OPENSEARCH_INITIAL_ADMIN_PASSWORD", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: OnyxSecretName}, Key: "opensearch_admin_password"},
		}}}
		v.OpenSearch.Persistence = &struct {
			StorageClass string `json:"storageClass"`
		}{sc}
		// The stack pins its own OpenSearch release; the subchart's
		// default would be another one.
		if v.OpenSearch.Image, err = optionalImage(images, "opensearch"); err != nil {
			return nil, err
		}
		if h := a["opensearch_heap"]; h != "" {
			v.OpenSearch.JavaOpts = fmt.Sprintf("-Xms%s -Xmx%s", h, h)
		}
		v.Redis.Enabled = true
		use(&v.Auth.Redis)
		secretPairs = append(secretPairs, [2]string{"redis_password", "REDIS_PASSWORD"})
		v.Redis.RedisStandalone = &struct {
			RedisSecret struct {
				SecretName string `json:"secretName"`
				SecretKey  string `json:"secretKey"`
			} `json:"redisSecret"`
		}{}
		v.Redis.RedisStandalone.RedisSecret.SecretName = OnyxSecretName
		v.Redis.RedisStandalone.RedisSecret.SecretKey = "redis_password"
		if sc != "" {
			v.Redis.StorageSpec = &struct {
				VolumeClaimTemplate struct {
					Spec struct {
						StorageClassName string `json:"storageClassName"`
					} `json:"spec"`
				} `json:"volumeClaimTemplate"`
			}{}
			v.Redis.StorageSpec.VolumeClaimTemplate.Spec.StorageClassName = sc
		}
	}

	switch store {
	case "s3-minio":
		v.Minio.Enabled = true
		v.Minio.ExistingSecret = OnyxSecretName
		if v.Minio.Image, err = optionalImage(images, "minio"); err != nil {
			return nil, err
		}
		v.Minio.Persistence = &struct {
			StorageClass string `json:"storageClass"`
		}{sc}
		use(&v.Auth.Objectstorage)
		// MinIO's chart reads rootUser/rootPassword; Onyx uses them as its
		// S3 keys, as the compose stack does.
		secretPairs = append(secretPairs,
			[2]string{"rootUser", "MINIO_ROOT_USER"}, [2]string{"rootPassword", "MINIO_ROOT_PASSWORD"},
			[2]string{"s3_aws_access_key_id", "MINIO_ROOT_USER"}, [2]string{"s3_aws_secret_access_key", "MINIO_ROOT_PASSWORD"})
		v.ConfigMap["FILE_STORE_BACKEND"] = "s3"
		if b := env["S3_FILE_STORE_BUCKET_NAME"]; b != "" {
			v.ConfigMap["S3_FILE_STORE_BUCKET_NAME"] = b
		}
	case "s3-external":
		v.Minio.Enabled = false
		use(&v.Auth.Objectstorage)
		secretPairs = append(secretPairs,
			[2]string{"s3_aws_access_key_id", "S3_AWS_ACCESS_KEY_ID"}, [2]string{"s3_aws_secret_access_key", "S3_AWS_SECRET_ACCESS_KEY"})
		v.ConfigMap["FILE_STORE_BACKEND"] = "s3"
		b := env["S3_FILE_STORE_BUCKET_NAME"]
		if b == "" {
			return nil, msg.Err("k8s.err.s3-bucket")
		}
		v.ConfigMap["S3_FILE_STORE_BUCKET_NAME"] = b
		if u := env["S3_ENDPOINT_URL"]; u != "" {
			v.ConfigMap["S3_ENDPOINT_URL"] = u
		}
	default: // postgres
		v.Minio.Enabled = false
		off(&v.Auth.Objectstorage)
		v.ConfigMap["FILE_STORE_BACKEND"] = "postgres"
	}

	v.ConfigMap["AUTH_TYPE"] = a["auth"]
	switch a["auth"] {
	case "oidc", "google_oauth":
		// The chart reads the client id and secret from its oauth Secret.
		secretKey := "OAUTH_CLIENT_SECRET"
		if a["auth"] == "google_oauth" {
			secretKey = "GOOGLE_OAUTH_CLIENT_SECRET"
		}
		use(&v.Auth.OAuth)
		secretPairs = append(secretPairs, [2]string{"oauth_client_id", "=" + a["oauth_client_id"]}, [2]string{"oauth_client_secret", secretKey})
		if u := a["openid_config_url"]; u != "" {
			v.ConfigMap["OPENID_CONFIG_URL"] = u
		}
	default:
		off(&v.Auth.OAuth)
	}

	domain := a["domain"]
	scheme := "http"
	if a.Bool("https") {
		scheme = "https"
	}
	v.ConfigMap["DOMAIN"] = domain
	v.ConfigMap["WEB_DOMAIN"] = scheme + "://" + domain
	v.Nginx.Controller.ExtraEnvs = []corev1.EnvVar{{Name: "DOMAIN", Value: domain}}
	if o.ServiceType != "" {
		v.Nginx.Controller.Service.Type = o.ServiceType
	} else {
		v.Nginx.Controller.Service.Type = ServiceClusterIP
		v.Ingress = onyxV4Ingress{Enabled: true, ClassName: o.IngressClass, API: &onyxHost{domain}, Webserver: &onyxHost{domain}}
	}

	l := fileLang(p.Answers)
	se, err := onyxSecretEnv(l, env, secretPairs)
	if err != nil {
		return nil, err
	}
	body, err := marshalDocs([]any{v})
	if err != nil {
		return nil, err
	}
	header := comment(l.T("k8s.file.onyx-v4-values", msg.Args{"Chart": OnyxV4ChartVersion, "Secret": OnyxSecretName, "File": OnyxValuesFile}))
	set := fileset.Set{
		{Path: OnyxValuesFile, Mode: 0o644, Content: append([]byte(header), body...)},
		{Path: SecretEnvFile, Mode: 0o600, Content: []byte(se)},
		{Path: ".gitignore", Mode: 0o644, Content: []byte(comment(l.T("k8s.file.gitignore")) + SecretEnvFile + "\n")},
	}
	set.Sort()
	return set, nil
}
