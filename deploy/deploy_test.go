package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/warroomhq/warroom/config"
)

// The files under test, relative to this package's folder.
const (
	composeFile   = "compose/compose.yaml"
	envExample    = "compose/env.example"
	kustomization = "kubernetes/kustomization.yaml"
	secretExample = "kubernetes/secret.example.yaml"
	redisDev      = "kubernetes/redis-dev.yaml"
)

// doc is one YAML document, as decoded into generic maps.
type doc = map[string]any

// TestYAMLParses decodes every YAML file under deploy/, every document of
// each, so a stray tab or a bad indent fails here rather than at apply.
func TestYAMLParses(t *testing.T) {
	files := yamlFiles(t)
	require.GreaterOrEqual(t, len(files), 7, "compose.yaml and the Kubernetes manifests: %v", files)
	for _, f := range files {
		require.NotEmpty(t, readDocs(t, f), f)
	}
}

// TestVariablesExist keeps the files from drifting from the code: every
// variable of Warroom's they name (in a value, a key or a comment) is one
// config.Env reads.
func TestVariablesExist(t *testing.T) {
	known := map[string]bool{}
	for _, e := range config.Env {
		known[e.Name] = true
		for _, a := range e.Aliases {
			known[a] = true
		}
	}
	name := regexp.MustCompile(`\b(?:WARROOM|SLACK|MICROSOFT|TEAMS)_[A-Z0-9_]+\b|\bREDIS_URL\b`)
	files := append(yamlFiles(t), envExample)
	seen := 0
	for _, f := range files {
		for _, v := range name.FindAllString(read(t, f), -1) {
			require.True(t, known[v], "%s names %s, which config.Env does not read", f, v)
			seen++
		}
	}
	require.Greater(t, seen, 20)
}

// TestNoSecretValues: a variable config marks Secret is never given a
// value in these files, wherever it is set: env.example, the compose
// environment, the Deployment's env, the example Secret. A REDIS_URL
// without a password is no secret (compose's points at its own Redis).
func TestNoSecretValues(t *testing.T) {
	checked := 0
	check := func(where, name, value string) {
		if secret(name) {
			require.True(t, placeholder(name, value), "%s gives the secret %s a value; leave it empty", where, name)
			checked++
		}
	}
	for name, value := range envFile(t) {
		check(envExample, name, value)
	}
	for name, value := range composeEnv(t) {
		check(composeFile, name, value)
	}
	for _, f := range yamlFiles(t) {
		for _, d := range readDocs(t, f) {
			for _, c := range containers(d) {
				for name, value := range containerEnv(c) {
					check(f, name, value)
				}
			}
			if d["kind"] == "Secret" {
				for _, field := range []string{"stringData", "data"} {
					for name, value := range asMap(d[field]) {
						check(f, name, str(value))
					}
				}
			}
		}
	}
	require.Greater(t, checked, 10)
}

// TestPlaceholder pins what counts as "no secret", so the check above
// cannot pass by accepting anything.
func TestPlaceholder(t *testing.T) {
	for _, c := range []struct {
		name, value string
		ok          bool
	}{
		{"WARROOM_API_TOKEN", "", true},
		{"WARROOM_API_TOKEN", "${WARROOM_API_TOKEN}", true},
		{"WARROOM_API_TOKEN", "change-me", false},
		{"SLACK_BOT_TOKEN", "xoxb-1234-5678-abcd", false},
		{"REDIS_URL", "redis://redis:6379/0", true},
		{"REDIS_URL", "${REDIS_URL:-redis://redis:6379/0}", true},
		{"REDIS_URL", "redis://:hunter2@redis:6379/0", false},
		{"REDIS_URL", "${REDIS_URL:-redis://:hunter2@redis:6379/0}", false},
		{"REDIS_URL", "redis://s1:26379?master_name=m&password=hunter2", false},
	} {
		require.Equal(t, c.ok, placeholder(c.name, c.value), "%s=%s", c.name, c.value)
	}
}

// TestComposeFile checks compose.yaml as Compose and the image would run
// it: the image is the one `make image` tags, the health check runs in a
// distroless image, the ports are the listeners', the metrics port is not
// published, the spool is on a volume, and every named volume exists.
func TestComposeFile(t *testing.T) {
	d := readDocs(t, composeFile)[0]
	services := asMap(d["services"])
	require.Contains(t, services, "warroom")
	require.Contains(t, services, "redis")
	w := asMap(services["warroom"])
	env := composeEnv(t)

	require.Equal(t, makefileImage(t), imageRepo(interpolate(str(w["image"]))), "compose's image is `make image`'s")
	require.Contains(t, asMap(asMap(w["build"])["args"]), "VERSION", "the build stamps the version as `make image` does")
	require.NotEmpty(t, str(w["restart"]))
	require.Equal(t, ".env", str(w["env_file"]))

	test := strs(asMap(w["healthcheck"])["test"])
	require.Equal(t, []string{"CMD", dockerBinary(t), "healthcheck"}, test, "no shell or curl in a distroless image: the binary checks itself")
	require.Contains(t, read(t, "../commands.go"), `name: "healthcheck"`)

	addr, metrics := port(t, env["WARROOM_ADDR"]), port(t, env["WARROOM_METRICS_ADDR"])
	require.NotEmpty(t, metrics, "compose sets WARROOM_METRICS_ADDR, so /metrics is off the public port")
	ports := strs(w["ports"])
	require.NotEmpty(t, ports)
	for _, p := range ports {
		container := p[strings.LastIndex(p, ":")+1:]
		require.Equal(t, addr, container, "published port %q is WARROOM_ADDR's", p)
		require.NotEqual(t, metrics, container, "the metrics port is not published")
	}
	require.Contains(t, strs(w["expose"]), metrics, "Prometheus on the compose network reaches the metrics port")

	defined := asMap(d["volumes"])
	var targets []string
	for name, s := range services {
		for _, v := range strs(asMap(s)["volumes"]) {
			parts := strings.Split(v, ":")
			require.GreaterOrEqual(t, len(parts), 2, "%s: volume %q", name, v)
			if src := parts[0]; !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				require.Contains(t, defined, src, "service %s mounts volume %q, which compose.yaml does not define", name, src)
			}
			if name == "warroom" {
				targets = append(targets, parts[1])
			}
		}
	}
	require.Contains(t, targets, path.Dir(env["WARROOM_SPOOL_PATH"]), "the spool is on a volume")

	redis := asMap(services["redis"])
	require.Contains(t, strs(redis["command"]), "--appendonly", "Redis keeps its data in an AOF")
	require.Contains(t, strs(redis["volumes"]), "redis-data:/data")
	require.Nil(t, redis["ports"], "Redis is not published")
	require.Equal(t, "service_healthy", str(asMap(asMap(w["depends_on"])["redis"])["condition"]))
}

// TestComposeConfigLoads: the settings compose.yaml and env.example give,
// with the secrets serve requires filled in, are a configuration config
// accepts.
func TestComposeConfigLoads(t *testing.T) {
	env := envFile(t)
	for name, value := range composeEnv(t) {
		env[name] = interpolate(value)
	}
	env["WARROOM_API_TOKEN"] = "test-token"
	_, err := config.Load("", mapEnv(env), config.Known{})
	require.NoError(t, err)
	require.Equal(t, "redis://redis:6379/0", env["REDIS_URL"])
}

// TestKubernetesDeployment checks the Deployment: two replicas rolled one
// at a time, probes on routes serve serves at the ports the same env
// gives, the metrics port annotated and in no Service, a non-root
// read-only container whose spool and config are mounted, resources set.
func TestKubernetesDeployment(t *testing.T) {
	m := manifests(t)
	dep := m["Deployment/warroom"]
	require.NotNil(t, dep, "the Deployment")
	spec := asMap(dep["spec"])
	require.Equal(t, 2, spec["replicas"])
	ru := asMap(asMap(spec["strategy"])["rollingUpdate"])
	require.Equal(t, 0, ru["maxUnavailable"])

	tmpl := asMap(spec["template"])
	pod := asMap(tmpl["spec"])
	c := containers(dep)[0]
	env := containerEnv(c)
	require.Equal(t, makefileImage(t), imageRepo(str(c["image"])))

	ports := map[string]string{}
	for _, p := range asSlice(c["ports"]) {
		ports[str(asMap(p)["name"])] = str(asMap(p)["containerPort"])
	}
	addr, metrics := port(t, env["WARROOM_ADDR"]), port(t, env["WARROOM_METRICS_ADDR"])
	require.Contains(t, slices.Collect(maps.Values(ports)), addr, "a container port is WARROOM_ADDR's")
	require.Contains(t, slices.Collect(maps.Values(ports)), metrics, "a container port is WARROOM_METRICS_ADDR's")

	served := servedPaths(t)
	probes := map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
	for probe, want := range probes {
		get := asMap(asMap(c[probe])["httpGet"])
		p := str(get["path"])
		require.Equal(t, want, p, probe)
		require.Contains(t, served, p, "%s asks %s, a route serve serves", probe, p)
		n := str(get["port"])
		if named, ok := ports[n]; ok {
			n = named
		}
		require.Contains(t, []string{addr, metrics}, n, "%s's port is a listener's", probe)
	}
	ann := asMap(asMap(tmpl["metadata"])["annotations"])
	require.Equal(t, metrics, str(ann["prometheus.io/port"]), "/metrics leaves WARROOM_ADDR when WARROOM_METRICS_ADDR is set")
	require.Contains(t, served, str(ann["prometheus.io/path"]))

	psc, csc := asMap(pod["securityContext"]), asMap(c["securityContext"])
	require.Equal(t, true, psc["runAsNonRoot"])
	require.NotNil(t, psc["runAsUser"], "the image's user is a name: the kubelet needs a number to check runAsNonRoot")
	require.Equal(t, true, csc["readOnlyRootFilesystem"])
	require.Equal(t, false, csc["allowPrivilegeEscalation"])

	volumes := map[string]doc{}
	for _, v := range asSlice(pod["volumes"]) {
		volumes[str(asMap(v)["name"])] = asMap(v)
	}
	mounts := map[string]string{}
	for _, v := range asSlice(c["volumeMounts"]) {
		name := str(asMap(v)["name"])
		require.Contains(t, volumes, name, "volumeMount %s has a volume", name)
		mounts[str(asMap(v)["mountPath"])] = name
	}
	require.Contains(t, mounts, path.Dir(env["WARROOM_SPOOL_PATH"]), "the spool is on a volume (the root file system is read-only)")
	require.Contains(t, mounts, path.Dir(env["WARROOM_CONFIG"]), "config.yml is mounted")
	cm := asMap(volumes[mounts[path.Dir(env["WARROOM_CONFIG"])]]["configMap"])
	require.Equal(t, kustomizeConfigMap(t), str(cm["name"]), "the ConfigMap mounted is the one kustomization.yaml generates")

	res := asMap(c["resources"])
	for _, k := range []string{"requests", "limits"} {
		require.Contains(t, asMap(res[k]), "memory", "resources.%s.memory", k)
	}

	var secretRef string
	for _, e := range asSlice(c["envFrom"]) {
		secretRef = str(asMap(asMap(e)["secretRef"])["name"])
	}
	ex := readDocs(t, secretExample)[0]
	require.Equal(t, secretRef, str(asMap(ex["metadata"])["name"]), "secret.example.yaml is the Secret the Deployment reads")
	for _, need := range []string{"REDIS_URL", "WARROOM_API_TOKEN"} {
		require.Contains(t, asMap(ex["stringData"]), need, "serve refuses to start without %s", need)
	}
}

// TestKubernetesServiceAndPDB: the Service and the PodDisruptionBudget
// select the Deployment's pods, and the Service exposes the HTTP port
// only.
func TestKubernetesServiceAndPDB(t *testing.T) {
	m := manifests(t)
	dep := m["Deployment/warroom"]
	labels := asMap(asMap(asMap(asMap(dep["spec"])["template"])["metadata"])["labels"])
	c := containers(dep)[0]
	portName := map[string]string{}
	for _, p := range asSlice(c["ports"]) {
		portName[str(asMap(p)["name"])] = str(asMap(p)["containerPort"])
	}
	svc := asMap(m["Service/warroom"]["spec"])
	require.NotEmpty(t, asMap(svc["selector"]))
	for k, v := range asMap(svc["selector"]) {
		require.Equal(t, v, labels[k], "Service selector %s", k)
	}
	metrics := port(t, containerEnv(c)["WARROOM_METRICS_ADDR"])
	for _, p := range asSlice(svc["ports"]) {
		target := str(asMap(p)["targetPort"])
		require.Contains(t, portName, target, "Service targets a named container port")
		require.Equal(t, port(t, containerEnv(c)["WARROOM_ADDR"]), portName[target])
		require.NotEqual(t, metrics, portName[target], "the metrics port is in no Service")
	}
	pdb := asMap(m["PodDisruptionBudget/warroom"]["spec"])
	for k, v := range asMap(asMap(pdb["selector"])["matchLabels"]) {
		require.Equal(t, v, labels[k], "PodDisruptionBudget selector %s", k)
	}
}

// TestKustomization: every resource exists, the example Secret and the
// trial Redis are not among them, the image it renames is `make image`'s,
// and config.yml is a configuration config accepts with the Deployment's
// environment.
func TestKustomization(t *testing.T) {
	k := readDocs(t, kustomization)[0]
	resources := strs(k["resources"])
	for _, r := range resources {
		_, err := os.Stat(filepath.Join("kubernetes", r))
		require.NoError(t, err, "kustomization resource %s", r)
	}
	require.NotContains(t, resources, path.Base(secretExample), "credentials stay out of the applied set")
	require.NotContains(t, resources, path.Base(redisDev), "the trial Redis is not production")
	require.Contains(t, read(t, redisDev), "NOT FOR PRODUCTION")
	for _, im := range asSlice(k["images"]) {
		require.Equal(t, makefileImage(t), str(asMap(im)["name"]))
	}

	env := containerEnv(containers(manifests(t)["Deployment/warroom"])[0])
	env["REDIS_URL"], env["WARROOM_API_TOKEN"] = "redis://127.0.0.1:6379", "test-token"
	_, err := config.Load(filepath.Join("kubernetes", "config.yml"), mapEnv(env), config.Known{})
	require.NoError(t, err)
}

// TestKubectlKustomize renders the manifests with kubectl's kustomize when
// kubectl is installed (it needs no cluster). Schema validation
// (kubeconform, kubectl --dry-run) is left out: both need a network or a
// cluster that tests do not have.
func TestKubectlKustomize(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	out, err := exec.Command(kubectl, "kustomize", "kubernetes").CombinedOutput()
	require.NoError(t, err, "%s", out)
	kinds := map[string]bool{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var d doc
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		kinds[str(d["kind"])] = true
		require.Equal(t, "warroom", str(asMap(d["metadata"])["namespace"]))
	}
	for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget", "ConfigMap"} {
		require.True(t, kinds[k], "rendered %s", k)
	}
	require.False(t, kinds["Secret"], "no Secret is rendered")
}

// TestDockerComposeConfig lets Compose itself read compose.yaml when the
// Compose plugin is installed.
func TestDockerComposeConfig(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil || exec.Command(docker, "compose", "version").Run() != nil {
		t.Skip("docker compose is not installed")
	}
	cmd := exec.Command(docker, "compose", "--env-file", "env.example", "-f", "compose.yaml", "config", "--quiet")
	cmd.Dir = "compose"
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// TestREADMELinks: the README's Deploying section gives the first
// commands and links only to files that exist.
func TestREADMELinks(t *testing.T) {
	readme := read(t, "../README.md")
	for _, cmd := range []string{"docker compose --env-file .env up -d", "kubectl apply -k deploy/kubernetes"} {
		require.Contains(t, readme, cmd)
	}
	links := regexp.MustCompile(`\]\((deploy/[^)#]+)\)`).FindAllStringSubmatch(readme, -1)
	require.GreaterOrEqual(t, len(links), 5)
	for _, l := range links {
		_, err := os.Stat(filepath.Join("..", l[1]))
		require.NoError(t, err, "the README links to %s", l[1])
	}
}

// secret reports whether config marks the variable name a secret.
func secret(name string) bool {
	for _, e := range config.Env {
		if e.Name == name || slices.Contains(e.Aliases, name) {
			return e.Secret
		}
	}
	return false
}

// placeholder reports whether value gives the secret name no real value:
// empty, a Compose reference to the variable itself (${NAME}), or, for
// REDIS_URL, a URL with no password (a default after ":-" included).
func placeholder(name, value string) bool {
	if value == "" || value == "${"+name+"}" {
		return true
	}
	if name != "REDIS_URL" {
		return false
	}
	u, err := url.Parse(interpolate(value))
	if err != nil || u.Host == "" {
		return false
	}
	_, hasPassword := u.User.Password()
	return !hasPassword && !u.Query().Has("password")
}

// interpolate resolves Compose's ${NAME:-default} to its default, as it is
// with NAME empty.
func interpolate(v string) string {
	return regexp.MustCompile(`\$\{[A-Z0-9_]+:-([^}]*)\}`).ReplaceAllString(v, "$1")
}

// port is the port of a listen address such as ":8080".
func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err, "listen address %q", addr)
	return p
}

// servedPaths are the health and metrics routes app's route tables
// register, read from their source: probes must ask one of them.
func servedPaths(t *testing.T) []string {
	src := read(t, "../app/http.go")
	var paths []string
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if strings.Contains(src, `"GET `+p+`"`) {
			paths = append(paths, p)
		}
	}
	require.Len(t, paths, 3, "app/http.go serves /healthz, /readyz and /metrics")
	return paths
}

// makefileImage is the repository `make image` tags (warroom:$(VERSION)).
func makefileImage(t *testing.T) string {
	m := regexp.MustCompile(`(?m)^image:\n\tdocker build .* -t ([a-z0-9./-]+):\$\(VERSION\)`).FindStringSubmatch(read(t, "../Makefile"))
	require.NotNil(t, m, "the Makefile's image target")
	return m[1]
}

// imageRepo is an image reference without its tag.
func imageRepo(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i]
	}
	return ref
}

// dockerBinary is where the Dockerfile's ENTRYPOINT runs warroom from.
func dockerBinary(t *testing.T) string {
	m := regexp.MustCompile(`(?m)^ENTRYPOINT \["([^"]+)"\]`).FindStringSubmatch(read(t, "../Dockerfile"))
	require.NotNil(t, m, "the Dockerfile's ENTRYPOINT")
	return m[1]
}

// kustomizeConfigMap is the name of the ConfigMap kustomization.yaml
// generates from config.yml.
func kustomizeConfigMap(t *testing.T) string {
	gens := asSlice(readDocs(t, kustomization)[0]["configMapGenerator"])
	require.Len(t, gens, 1)
	require.Contains(t, strs(asMap(gens[0])["files"]), "config.yml")
	return str(asMap(gens[0])["name"])
}

// manifests are the documents of kustomization.yaml's resources by
// kind/name.
func manifests(t *testing.T) map[string]doc {
	m := map[string]doc{}
	for _, r := range strs(readDocs(t, kustomization)[0]["resources"]) {
		for _, d := range readDocs(t, filepath.Join("kubernetes", r)) {
			m[str(d["kind"])+"/"+str(asMap(d["metadata"])["name"])] = d
		}
	}
	return m
}

// containers are the containers of a workload's pod template.
func containers(d doc) []doc {
	spec := asMap(asMap(asMap(d["spec"])["template"])["spec"])
	var cs []doc
	for _, c := range asSlice(spec["containers"]) {
		cs = append(cs, asMap(c))
	}
	return cs
}

// containerEnv is a container's literal env (valueFrom entries are "").
func containerEnv(c doc) map[string]string {
	env := map[string]string{}
	for _, e := range asSlice(c["env"]) {
		env[str(asMap(e)["name"])] = str(asMap(e)["value"])
	}
	return env
}

// composeEnv is the warroom service's environment in compose.yaml.
func composeEnv(t *testing.T) map[string]string {
	w := asMap(asMap(readDocs(t, composeFile)[0]["services"])["warroom"])
	env := map[string]string{}
	for k, v := range asMap(w["environment"]) {
		env[k] = str(v)
	}
	require.NotEmpty(t, env, "the environment is a map")
	return env
}

// envFile reads env.example's NAME=value lines.
func envFile(t *testing.T) map[string]string {
	env := map[string]string{}
	for line := range strings.Lines(read(t, envExample)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		require.True(t, ok, "env.example line %q", line)
		env[name] = value
	}
	return env
}

func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func yamlFiles(t *testing.T) []string {
	var files []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	require.NoError(t, err)
	return files
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

func readDocs(t *testing.T, name string) []doc {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(read(t, name)))
	var docs []doc
	for {
		var d doc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err, name)
		docs = append(docs, d)
	}
}

func asMap(v any) doc {
	m, _ := v.(doc)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// str is a scalar as text (ports and booleans included); "" for nil.
func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}

func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, e := range asSlice(v) {
		out = append(out, str(e))
	}
	return out
}
