package config

import (
	"bufio"
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSDKEnvironment(t *testing.T) {
	names, prefixes := SDKEnvironment()
	all := append(append([]string(nil), names...), prefixes...)
	seen := map[string]bool{}
	for _, n := range all {
		if seen[n] || !regexp.MustCompile(`^[A-Za-z_]+$`).MatchString(n) {
			t.Errorf("bad or repeated name %q", n)
		}
		seen[n] = true
	}
	for _, must := range []string{"AZURE_REGIONAL_AUTHORITY_NAME", "MSAL_FORCE_REGION", "AZURE_AUTHORITY_HOST", "AZURE_SDK_GO_LOGGING", "HTTPS_PROXY"} {
		if !slices.Contains(names, must) {
			t.Errorf("%s missing", must)
		}
	}
	environ := []string{
		"OKTA_API_TOKEN=00x", "O365DOCTOR_OKTA_URL=https://x", "PATH=/bin", "HOME=/root", "OS=Windows_NT",
		"OKTA_CLIENT_ORGURL=https://evil", "OKTA_OKTA_CLIENT_OKTA_CLIENT_TOKEN=x", "OKTA_HTTPCLIENT_TIMEOUT=1s",
		"AZURE_REGIONAL_AUTHORITY_NAME=westus2", "https_proxy=http://proxy:3128", "OTEL_SPAN_EVENT_COUNT_LIMIT=1",
	}
	got := SDKVariablesIn(environ)
	want := []string{"OKTA_CLIENT_ORGURL", "OKTA_OKTA_CLIENT_OKTA_CLIENT_TOKEN", "OKTA_HTTPCLIENT_TIMEOUT", "AZURE_REGIONAL_AUTHORITY_NAME", "https_proxy", "OTEL_SPAN_EVENT_COUNT_LIMIT"}
	if !slices.Equal(got, want) {
		t.Fatalf("SDKVariablesIn = %v\nwant %v", got, want)
	}
}

// modDir is where the module cache keeps a module@version, or "" when the
// cache is not on this machine.
func modDir(modAtVersion string) string {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	var b strings.Builder
	for _, r := range modAtVersion { // the cache's case encoding: A → !a
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return filepath.Join(cache, b.String())
}

// TestSDKEnvironmentReferences reads each file:line the list cites in the
// module cache: the line must read the environment, and a variable's name
// must be spelled in that package (names envconfig derives, and the
// proxies net/http reads, are not). A failure after an SDK upgrade means the
// list needs a new look.
func TestSDKEnvironmentReferences(t *testing.T) {
	reads := regexp.MustCompile(`Getenv|LookupEnv|lookupEnv|Environ|ProxyFromEnvironment`)
	for _, ref := range sdkVariables {
		modVer, rest, _ := strings.Cut(ref.where, "@")
		version, fileLine, _ := strings.Cut(rest, "/")
		file, lineStr, _ := strings.Cut(fileLine, ":")
		dir := modDir(modVer + "@" + version)
		if _, err := os.Stat(dir); err != nil {
			t.Skipf("module cache not here (%s): %v", dir, err)
		}
		line, _ := strconv.Atoi(lineStr)
		text := lineOf(t, filepath.Join(dir, file), line)
		if !reads.MatchString(text) {
			t.Errorf("%s (%s): line reads no environment: %q", ref.where, ref.name, text)
		}
		derived := strings.Contains(ref.where, "envconfig") || strings.Contains(ref.where, "transport/transport.go") || ref.prefix
		if !derived && !spelledIn(t, filepath.Dir(filepath.Join(dir, file)), `"`+ref.name+`"`) {
			t.Errorf("%s: %q is not spelled in its package", ref.where, ref.name)
		}
	}
	// Every variable the Okta SDK's config struct names is in a family.
	_, prefixes := SDKEnvironment()
	src := filepath.Join(modDir("github.com/okta/okta-sdk-golang/v2@v2.20.0"), "okta", "config.go")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Skip(err)
	}
	tags := regexp.MustCompile(`envconfig:"([A-Z_]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(tags) < 15 {
		t.Fatalf("%d envconfig tags in %s", len(tags), src)
	}
	for _, m := range tags {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(m[1], p) }) {
			t.Errorf("%s is in no family", m[1])
		}
	}
}

func lineOf(t *testing.T, file string, n int) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return sc.Text()
		}
	}
	t.Fatalf("%s has no line %d", file, n)
	return ""
}

func spelledIn(t *testing.T, dir, quoted string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), quoted) {
			return true
		}
	}
	return false
}
