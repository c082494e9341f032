package stacks

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/templates"
)

// Answer keys of the keras-webpy stack.
const (
	kerasModelName   = "model_name"
	kerasModelFile   = "model_file"
	kerasBakeModel   = "bake_model"
	kerasBackend     = "backend"
	kerasGPU         = "gpu"
	kerasGPUCount    = "gpu_count"
	kerasBindAddress = "bind_address"
	kerasHTTPPort    = "http_port"
	kerasThreads     = "threads"
	kerasAPIToken    = "api_token"
	kerasAppVersion  = "app_version"
	kerasLoader      = "model_loader"
)

// The image keys of the keras-webpy stack.
const (
	kerasImagePython = "python"
	kerasImageModel  = "model"
)

// kerasContainerPort is where app.py listens inside the container; the
// host side is the http_port answer.
const kerasContainerPort = 8080

// KerasAPITokenKey is the .env key of the optional API token.
const KerasAPITokenKey = "API_TOKEN"

// Pinned Python packages. Each was published on PyPI with wheels (or, for
// pure-Python web.py, an sdist) for CPython 3.13 on Linux x86_64, and they
// satisfy each other's requirements: TensorFlow 2.21 (like 2.20) wants keras >= 3.10
// and numpy >= 1.26 (2.1.x is the first numpy with 3.13 wheels and also
// fits the < 2.2 bound TensorFlow 2.19 had, should a user step back one
// release); web.py 0.76 is the first web.py that runs on Python 3.13
// (0.62 and older import the cgi module 3.13 removed).
var kerasPins = struct {
	TensorFlow, Keras, JAX, NumPy, Pillow, WebPy string
}{
	TensorFlow: "2.21.0",
	Keras:      "3.11.3",
	JAX:        "0.7.1",
	NumPy:      "2.1.3",
	Pillow:     "11.3.0",
	WebPy:      "0.76",
}

// kerasPython is the default base image: CPython 3.13, the newest line
// the pinned TensorFlow's wheels were checked for (3.14 wheels are not
// assumed); 3.13 receives security fixes until October 2029.
const kerasPython = "python:3.13-slim"

var (
	kerasSlugPattern      = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	kerasModelFilePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	kerasTagPattern       = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	kerasDottedPattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// kerasCheckSlug accepts a lower-case slug usable as an image name and a
// service-facing name: letters, digits and single dashes.
func kerasCheckSlug(v string) error {
	if !kerasSlugPattern.MatchString(v) {
		return msg.Err("stacks.err.keras-slug", msg.Args{"Value": strconv.Quote(v)})
	}
	if len(v) > 40 {
		return msg.Err("stack.err.name-long", msg.Args{"Value": strconv.Quote(v), "Max": 40})
	}
	return nil
}

// kerasCheckModelFile accepts a file name (no directory) that Keras 3's
// load_model reads: the .keras format or legacy HDF5.
func kerasCheckModelFile(v string) error {
	if !kerasModelFilePattern.MatchString(v) || strings.Contains(v, "..") {
		return msg.Err("stacks.err.keras-model-name", msg.Args{"Value": strconv.Quote(v)})
	}
	lower := strings.ToLower(v)
	if !strings.HasSuffix(lower, ".keras") && !strings.HasSuffix(lower, ".h5") {
		return msg.Err("stacks.err.keras-model-ext", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// KerasInputShapeAnswer is the model's input shape as --model read it
// ("None,4"), "" when unknown.
const KerasInputShapeAnswer = "model_input_shape"

var kerasShape = regexp.MustCompile(`^(None|[0-9]{1,9})(,(None|[0-9]{1,9})){0,7}$`)

func kerasCheckShape(v string) error {
	if v != "" && !kerasShape.MatchString(v) {
		return msg.Err("stacks.err.keras-shape", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// kerasCheckTag accepts a Docker tag other than latest.
func kerasCheckTag(v string) error {
	if !kerasTagPattern.MatchString(v) {
		return msg.Err("stacks.err.image-tag", msg.Args{"Value": strconv.Quote(v)})
	}
	if v == "latest" {
		return msg.Err("stacks.err.tag-latest")
	}
	return nil
}

// kerasCheckGPUCount accepts "all" or a number of GPUs.
func kerasCheckGPUCount(v string) error {
	if v == "all" {
		return nil
	}
	if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 64 {
		return msg.Err("stacks.err.keras-gpus", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// kerasCheckModule accepts a dotted Python module path.
func kerasCheckModule(v string) error {
	if !kerasDottedPattern.MatchString(v) {
		return msg.Err("stacks.err.keras-module", msg.Args{"Value": strconv.Quote(v)})

	}
	return nil
}

func kerasIsLoopback(addr string) bool {
	ip := net.ParseIP(addr)
	return ip != nil && ip.IsLoopback()
}

// Keras is the keras-webpy stack: a Keras model served by web.py in one
// container (seed 001, part 3).
func Keras() *stack.Definition {
	gpu := func(a stack.Answers) bool { return a.Bool(kerasGPU) }
	return &stack.Definition{
		Name:        "keras-webpy",
		Aliases:     []string{"keras", "model"},
		Description: "A Keras model served by web.py: POST /predict JSON, /healthz; optional GPU",
		Questions: []stack.Question{
			{
				Key: kerasModelName, Prompt: "Model name (names the built image)",
				Help: "A lower-case slug; the image is built and saved as NAME:VERSION", Kind: stack.String,
				Default: "keras-docker", Check: kerasCheckSlug, FolderDefault: stack.SlugFrom,
			},
			stack.ComposeProjectQuestion("keras-webpy", func(a stack.Answers) string { return a[kerasModelName] }),
			{
				Key: kerasModelFile, Prompt: "Model file inside models/",
				Help: "Written by model.save(...) in Keras 3 (.keras) or legacy .h5", Kind: stack.String,
				Default: "model.keras", Check: kerasCheckModelFile,
			},
			{
				Key: kerasBakeModel, Prompt: "Bake the model into the image?",
				Help: "true: COPY the model into the image (one file to ship); false: mount models/ read-only (swap models without a rebuild)",
				Kind: stack.Bool, Default: "false",
			},
			{
				Key: kerasBackend, Prompt: "Keras backend",
				Help: "tensorflow (tensorflow-cpu, or tensorflow[and-cuda] with a GPU) or jax", Kind: stack.Choice,
				Default: "tensorflow", Choices: []string{"tensorflow", "jax"},
			},
			{
				Key: kerasGPU, Prompt: "Use an NVIDIA GPU?",
				Help: "Adds a compose GPU reservation and installs the CUDA build of the backend; the host needs the NVIDIA driver and Container Toolkit",
				Kind: stack.Bool, Default: "false",
			},
			{
				Key: kerasGPUCount, Prompt: "How many GPUs",
				Help: "all, or a number", Kind: stack.String, Default: "all", Check: kerasCheckGPUCount, When: gpu, Advanced: true,
			},
			{
				Key: kerasBindAddress, Prompt: "Address the HTTP port is published on",
				Help: "127.0.0.1 keeps the model API on this host (put a reverse proxy in front); 0.0.0.0 opens it to the network",
				Kind: stack.String, Default: "127.0.0.1", Check: stack.BindAddress,
			},
			{
				Key: kerasHTTPPort, Prompt: "Host port of the model API",
				Kind: stack.Int, Default: strconv.Itoa(kerasContainerPort), Check: stack.Port,
			},
			{
				Key: kerasThreads, Prompt: "Server threads",
				Help: "Threads of web.py's HTTP server (cheroot); predictions run one at a time on the shared model, so more threads mainly keep /healthz and / responsive",
				Kind: stack.Int, Default: "4", Check: stack.PositiveInt(64), Advanced: true,
			},
			{
				Key: kerasAPIToken, Prompt: "Require an API token for /predict?",
				Help: "Generates API_TOKEN in .env (mode 0600); clients send Authorization: Bearer TOKEN. On by default when the port is published beyond this host",
				Kind: stack.Bool,
				DefaultFrom: func(a stack.Answers) string {
					return strconv.FormatBool(!kerasIsLoopback(a[kerasBindAddress]))
				},
			},
			{
				Key: kerasAppVersion, Prompt: "Version tag of the built image",
				Kind: stack.String, Default: "1.0", Check: kerasCheckTag,
			},
			{
				Key: kerasLoader, Prompt: "Python module that loads the model",
				Help: "Must define load(path) and predict(model, instances); the default is the generated model_loader.py (keras.models.load_model). Only this module is swapped, e.g. by tests that cannot install TensorFlow",
				Kind: stack.String, Default: "model_loader", Check: kerasCheckModule, Advanced: true,
			},
			{
				Key: KerasInputShapeAnswer, Prompt: "Input shape of the model (with the batch dimension)",
				Help: "Set by --model FILE from the .keras file's config, e.g. None,4; documents /predict in the README (empty: not known)",
				Kind: stack.String, Check: kerasCheckShape, Advanced: true,
			},
			stack.RegistryMirrorQuestion(),
			stack.LangQuestion(),
			stack.PipIndexQuestion(),
			stack.PythonPinsQuestion(),
		},
		Images: []stack.Image{
			{
				Key: kerasImagePython, Help: "Base image of the model image (Debian slim CPython)",
				Default: func(stack.Answers) string { return kerasPython }, Family: family("python"),
			},
			{
				Key: kerasImageModel, Help: "The image compose builds and the save script exports",
				Default: func(a stack.Answers) string { return a[kerasModelName] + ":" + a[kerasAppVersion] },
				Built:   true, Role: imagerole.App, Base: kerasImagePython,
			},
		},
		Secrets:   []stack.Secret{{Key: KerasAPITokenKey, Bytes: 32}},
		Templates: templates.Stack("keras-webpy"),
		Data:      kerasData,
		OutputPath: func(p string, a stack.Answers) string {
			switch p {
			case ".env", ".env.example":
				if !a.Bool(kerasAPIToken) {
					return ""
				}
			}
			return p
		},
		Migrate:      nil,              // no database: nothing to migrate
		StartTimeout: 10 * time.Minute, // TensorFlow import and the model load before /healthz turns 200.
		URL:          kerasURL,
		DefaultDir:   func(a stack.Answers) string { return a[kerasModelName] },
		// State is nil: nothing to back up. The model file is the user's
		// (models/, or baked into the saved image) and the container keeps
		// nothing.
		State: nil,
		UserFiles: func(a stack.Answers) []stack.UserFile {
			return []stack.UserFile{{
				Path: "models/" + a[kerasModelFile],
				What: "your trained model (model.save(\"" + a[kerasModelFile] + "\") in Keras 3); " + map[bool]string{true: "the build copies it into the image", false: "the container mounts models/ read-only"}[a.Bool(kerasBakeModel)],
			}}
		},
	}
}

// kerasURL is where the published model API answers on this host.
func kerasURL(a stack.Answers) string {
	host := a[kerasBindAddress]
	if host == "0.0.0.0" {
		host = "127.0.0.1"
	}
	return "http://" + host + ":" + a[kerasHTTPPort] + "/"
}

// kerasTemplateData is what the keras-webpy templates see.
type kerasTemplateData struct {
	ModelName, ModelFile, Backend, Loader string
	Bake, GPU, Token                      bool
	GPUCount                              string // "all" or a number, as compose takes it
	BindAddress                           string
	HTTPPort, ContainerPort, Threads      int
	Version                               string
	PythonImage                           string
	Image                                 string // the built image, exactly as compose tags it
	ImageFile                             string // the save script's default output name
	PipIndexURL                           string
	Requirements                          []string
	Secrets                               map[string]string
	StackgenVersion                       string
	URL                                   string
	Role                                  stack.ServiceRole // the model service's, for x-stackgen
	// InputShape is the model's input shape as Python prints it ("(None, 4)")
	// and InstanceShape one instance's, without the batch dimension
	// ("[4]"); both "" when --model could not read them.
	InputShape, InstanceShape string
}

func kerasData(in stack.Input) (any, error) {
	a := in.Answers
	port, _ := strconv.Atoi(a[kerasHTTPPort]) // checked by Resolve
	threads, _ := strconv.Atoi(a[kerasThreads])
	image := in.Images[kerasImageModel]
	if image == "" {
		return nil, fmt.Errorf("keras-webpy: no model image resolved")
	}
	d := kerasTemplateData{
		Role:            in.Roles[kerasImageModel],
		InputShape:      kerasTuple(a[KerasInputShapeAnswer]),
		InstanceShape:   kerasInstance(a[KerasInputShapeAnswer]),
		ModelName:       a[kerasModelName],
		ModelFile:       a[kerasModelFile],
		Backend:         a[kerasBackend],
		Loader:          a[kerasLoader],
		Bake:            a.Bool(kerasBakeModel),
		GPU:             a.Bool(kerasGPU),
		GPUCount:        a[kerasGPUCount],
		Token:           a.Bool(kerasAPIToken),
		BindAddress:     a[kerasBindAddress],
		HTTPPort:        port,
		ContainerPort:   kerasContainerPort,
		Threads:         threads,
		Version:         a[kerasAppVersion],
		PythonImage:     in.Images[kerasImagePython],
		Image:           image,
		ImageFile:       kerasImageFileName(image),
		PipIndexURL:     a[stack.PipIndexAnswer],
		Requirements:    kerasRequirements(a[kerasBackend], a.Bool(kerasGPU)),
		Secrets:         in.Secrets,
		StackgenVersion: in.Version,
		URL:             kerasURL(a),
	}
	return d, nil
}

// kerasRequirements are the pinned lines of requirements.txt.
func kerasRequirements(backend string, gpu bool) []string {
	p := kerasPins
	var out []string
	switch backend {
	case "jax":
		if gpu {
			out = append(out, "jax[cuda12]=="+p.JAX)
		} else {
			out = append(out, "jax=="+p.JAX)
		}
	default:
		if gpu {
			out = append(out, "tensorflow[and-cuda]=="+p.TensorFlow)
		} else {
			out = append(out, "tensorflow-cpu=="+p.TensorFlow)
		}
	}
	return append(out,
		"keras=="+p.Keras,
		"numpy=="+p.NumPy,
		"pillow=="+p.Pillow,
		"web.py=="+p.WebPy,
	)
}

// kerasImageFileName turns an image reference into the file name the save
// script writes: keras-docker:1.0 -> keras-docker_1.0.tar.gz.
func kerasImageFileName(ref string) string {
	r := strings.NewReplacer("/", "_", ":", "_", "@", "_")
	return r.Replace(ref) + ".tar.gz"
}

// kerasTuple writes "None,4" as Python prints the shape: (None, 4).
func kerasTuple(v string) string {
	if v == "" {
		return ""
	}
	dims := strings.Split(v, ",")
	if len(dims) == 1 {
		return "(" + dims[0] + ",)"
	}
	return "(" + strings.Join(dims, ", ") + ")"
}

// kerasInstance is one instance's shape, the batch dimension dropped, as
// a JSON-like list: "None,28,28,1" gives [28, 28, 1].
func kerasInstance(v string) string {
	dims := strings.Split(v, ",")
	if v == "" || len(dims) < 2 {
		return ""
	}
	return "[" + strings.Join(dims[1:], ", ") + "]"
}
