package k8s

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// namespace is the export's Namespace. Pod Security "baseline" is
// enforced (the official database and nginx images start as root, which
// "restricted" refuses) and "restricted" is warned about, so what would
// need changing for it stays visible.
func (b *builder) namespace() object {
	return object{file: "namespace.yaml", obj: &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: b.o.Namespace, Labels: map[string]string{
			"pod-security.kubernetes.io/enforce": "baseline",
			"pod-security.kubernetes.io/warn":    "restricted",
		}},
	}}
}

// headless is the Service of a StatefulSet: stable DNS names for its pod,
// no virtual IP, reachable only inside the cluster.
func (b *builder) headless(name, component string, port int32) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(name, component),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  b.selector(component).MatchLabels,
			Ports:     []corev1.ServicePort{{Name: name, Port: port, TargetPort: intstr.FromInt32(port)}},
		},
	}
}

// service is a ClusterIP (or the entry's type) Service.
func (b *builder) service(name, component, typ string, ports ...corev1.ServicePort) *corev1.Service {
	s := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(name, component),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceType(typ),
			Selector: b.selector(component).MatchLabels,
			Ports:    ports,
		},
	}
	return s
}

// ingress routes host (every host when it is localhost or empty) to the
// entry Service's port.
func (b *builder) ingress(name, component, host, svc string, port int32) *networkingv1.Ingress {
	rule := networkingv1.IngressRule{IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{
			Path:     "/",
			PathType: ptr(networkingv1.PathTypePrefix),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: svc, Port: networkingv1.ServiceBackendPort{Number: port},
			}},
		}},
	}}}
	if host != "" && host != "localhost" && !strings.HasPrefix(host, "*") {
		rule.Host = host
	}
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: b.meta(name, component),
		Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule}},
	}
	if b.o.IngressClass != "" {
		ing.Spec.IngressClassName = ptr(b.o.IngressClass)
	}
	return ing
}

// allowFrom is a NetworkPolicy that lets only pods of the given components
// reach the selected component's ports; everything else in the cluster,
// inside the namespace or not, is refused.
func (b *builder) allowFrom(name string, target []string, from []string, ports ...int32) *networkingv1.NetworkPolicy {
	var np []networkingv1.NetworkPolicyPort
	for _, p := range ports {
		np = append(np, networkingv1.NetworkPolicyPort{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(p))})
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/instance": b.app, "app.kubernetes.io/part-of": b.p.Stack.Name}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: componentsSelector(b.app, target),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: ptr(componentsSelector(b.app, from))}},
				Ports: np,
			}},
		},
	}
}

func componentsSelector(app string, components []string) metav1.LabelSelector {
	return metav1.LabelSelector{
		MatchLabels: map[string]string{"app.kubernetes.io/instance": app},
		MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "app.kubernetes.io/component", Operator: metav1.LabelSelectorOpIn, Values: components,
		}},
	}
}

// statefulSet is one replica of a stateful service with its claim: a pod
// rescheduled elsewhere gets the same volume back (a Deployment's pod
// would not, with a claim per replica).
func (b *builder) statefulSet(name, component string, pod corev1.PodSpec, claim, size string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: b.meta(name, component),
		Spec: appsv1.StatefulSetSpec{
			ServiceName: name,
			Replicas:    ptr[int32](1),
			Selector:    b.selector(component),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.labels(component)},
				Spec:       pod,
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
				ObjectMeta: metav1.ObjectMeta{Name: claim, Labels: b.labels(component)},
				Spec:       b.claimSpec(size, ReadWriteOnce),
			}},
			// Keep the data when the StatefulSet is deleted or scaled down.
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
		},
	}
}

// deployment is a stateless workload.
func (b *builder) deployment(name, component string, replicas int32, pod corev1.PodSpec) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(name, component),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(replicas),
			Selector: b.selector(component),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.labels(component)},
				Spec:       pod,
			},
		},
	}
}

// claim is a standalone PersistentVolumeClaim (shared between workloads).
func (b *builder) claim(name, component, size, mode string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: b.meta(name, component),
		Spec:       b.claimSpec(size, mode),
	}
}

// waitForTCP is a Python one-liner (the app image has Python and nothing
// else to probe with) that blocks until every host:port accepts a TCP
// connection: start-up order, as compose's depends_on gives it.
func waitForTCP(addrs ...string) []string {
	var pairs []string
	for _, a := range addrs {
		host, port, _ := strings.Cut(a, ":")
		pairs = append(pairs, fmt.Sprintf("(%q, %s)", host, port))
	}
	script := "import socket, sys, time\n" +
		"for addr in [" + strings.Join(pairs, ", ") + "]:\n" +
		"    while True:\n" +
		"        try:\n" +
		"            socket.create_connection(addr, timeout=3).close()\n" +
		"            break\n" +
		"        except OSError as e:\n" +
		"            print('waiting for %s:%s: %s' % (addr[0], addr[1], e), flush=True)\n" +
		"            time.sleep(2)\n"
	return []string{"python", "-c", script}
}

// entryType is the type of the entry Service: ClusterIP behind an Ingress,
// or the type asked for.
func (b *builder) entryType() string {
	if b.o.ServiceType != "" {
		return b.o.ServiceType
	}
	return ServiceClusterIP
}
