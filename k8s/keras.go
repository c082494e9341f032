package k8s

import (
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// kerasPort is where app.py listens in the container.
const kerasPort = 8080

// kerasModelsSize is the claim for models/ when the model is not baked in.
const kerasModelsSize = "2Gi"

// kerasHealth is the model container's compose health check.
var kerasHealth = health{interval: 10, timeout: 5, retries: 3, startPeriod: 180}

// kerasPublic reports whether the answers publish the API beyond the host
// (bind_address not loopback): only then does export give it an entry of
// its own unless one is asked for.
func (b *builder) kerasPublic() bool {
	ip := net.ParseIP(b.p.Answers["bind_address"])
	return ip == nil || !ip.IsLoopback()
}

// kerasObjects are the keras-webpy stack's objects: one stateless
// Deployment (the stack declares no state), its Service and, when the
// answers publish the API, an entry.
func kerasObjects(b *builder) ([]object, error) {
	a := b.p.Answers
	token := a.Bool("api_token")
	if token {
		b.secretKeys = []string{"API_TOKEN"}
	} else {
		b.noSecret = true // no token: the stack has no secret to carry
	}
	startup, ready, live := probes(kerasHealth, corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/healthz", Port: intstr.FromInt32(kerasPort),
	}}, kerasPort)
	env := []corev1.EnvVar{
		{Name: "MODEL_NAME", Value: a["model_name"]},
		{Name: "MODEL_PATH", Value: "/app/models/" + a["model_file"]},
		{Name: "MODEL_LOADER", Value: a["model_loader"]},
		{Name: "KERAS_BACKEND", Value: a["backend"]},
		{Name: "THREADS", Value: a["threads"]},
	}
	if token {
		env = append(env, b.secretRef("API_TOKEN", "API_TOKEN"))
	}
	res := resources("500m", "1Gi", "4Gi")
	if a.Bool("gpu") {
		// Kubernetes counts GPUs: "all" (compose's default) becomes one.
		n, err := strconv.Atoi(a["gpu_count"])
		if err != nil || n < 1 {
			n = 1
		}
		q := resource.MustParse(strconv.Itoa(n))
		res.Limits["nvidia.com/gpu"] = q
		res.Requests["nvidia.com/gpu"] = q
	}
	c := corev1.Container{
		Name:  "model",
		Image: b.images["model"],
		Env:   env,
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: kerasPort}},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "tmp", MountPath: "/tmp"},
		},
		StartupProbe: startup, ReadinessProbe: ready, LivenessProbe: live,
		Resources: res,
		// compose already runs this image read-only with every capability
		// dropped (and /tmp as tmpfs): the same here.
		SecurityContext: appContainerSecurity(true),
	}
	vols := []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}}
	var objs []object
	objs = append(objs, b.namespace())
	if !a.Bool("bake_model") {
		// compose mounts ./models read-only; here a claim holds them (fill
		// it once, see the README), shared read-only by every replica.
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "models", MountPath: "/app/models", ReadOnly: true})
		vols = append(vols, corev1.Volume{Name: "models", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "models", ReadOnly: true}}})
		objs = append(objs, object{"models.yaml", b.claim("models", "model", kerasModelsSize, b.o.MediaAccessMode)})
	}
	pod := corev1.PodSpec{
		SecurityContext: appPodSecurity(),
		Containers:      []corev1.Container{c},
		Volumes:         vols,
	}
	public := b.kerasPublic() || b.o.ServiceType != "" || b.o.IngressClass != ""
	svcType := ServiceClusterIP
	port := int32(kerasPort)
	if b.o.ServiceType != "" {
		svcType = b.o.ServiceType
		if n, err := strconv.Atoi(a["http_port"]); err == nil {
			port = int32(n)
		}
	}
	objs = append(objs,
		object{"model.yaml", b.service("model", "model", svcType, corev1.ServicePort{Name: "http", Port: port, TargetPort: intstr.FromInt32(kerasPort)})},
		object{"model.yaml", b.deployment("model", "model", 1, pod)},
	)
	switch {
	case !public:
		// bind_address 127.0.0.1 keeps the API on the host in compose; here
		// it stays inside the namespace (kubectl port-forward reaches it).
		objs = append(objs, object{"networkpolicy.yaml", b.sameNamespaceOnly("model", "model", kerasPort)})
	case b.o.ServiceType == "":
		objs = append(objs, object{"ingress.yaml", b.ingress("model", "model", "", "model", kerasPort)})
	}
	return objs, nil
}

// sameNamespaceOnly lets only pods of this namespace reach component.
func (b *builder) sameNamespaceOnly(name, component string, port int32) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: b.meta(name, component),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *b.selector(component),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(port))}},
			}},
		},
	}
}
