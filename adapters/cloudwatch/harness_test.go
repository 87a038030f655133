package cloudwatch

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/internal/httpx"
)

// t0 is "now" in tests: every fixture's Timestamp lies within the hour
// before it.
var t0 = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)

const testTopic = "arn:aws:sns:us-east-1:123456789012:warroom-alarms"

// pki is a test CA and the certificates it issued, made at run time so no
// key is committed. Keys are immutable, so tests share them.
type pki struct {
	leafKey, otherKey *rsa.PrivateKey
	leafPEM           []byte // valid around t0
	expiredPEM        []byte // expired an hour before t0
	futurePEM         []byte // valid from an hour after t0
	otherPEM          []byte // otherKey's, valid around t0
	leafNotAfter      time.Time
}

var (
	pkiOnce sync.Once
	testPKI pki
)

func keys(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() {
		gen := func() *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			return k
		}
		caKey, leafKey, otherKey := gen(), gen(), gen()
		caTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Warroom test CA"},
			NotBefore: t0.AddDate(-2, 0, 0), NotAfter: t0.AddDate(5, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		ca, err := x509.ParseCertificate(caDER)
		if err != nil {
			panic(err)
		}
		leaf := func(serial int64, from, to time.Time, key *rsa.PrivateKey) []byte {
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "sns.us-east-1.amazonaws.com"},
				NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature,
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
			if err != nil {
				panic(err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		}
		testPKI = pki{
			leafKey: leafKey, otherKey: otherKey,
			leafPEM:      leaf(2, t0.Add(-24*time.Hour), t0.AddDate(1, 0, 0), leafKey),
			expiredPEM:   leaf(3, t0.AddDate(-1, 0, 0), t0.Add(-time.Hour), leafKey),
			futurePEM:    leaf(4, t0.Add(time.Hour), t0.AddDate(1, 0, 0), leafKey),
			otherPEM:     leaf(5, t0.Add(-24*time.Hour), t0.AddDate(1, 0, 0), otherKey),
			leafNotAfter: t0.AddDate(1, 0, 0),
		}
	})
	return &testPKI
}

// fakeSNS serves signing certificates and SubscribeURLs over TLS, and
// counts what it was asked.
type fakeSNS struct {
	srv           *httptest.Server
	certGets      atomic.Int32
	confirmStatus int
	redirectTo    string // where /redirect.pem sends the client
	mu            sync.Mutex
	confirms      []url.Values
}

func newFakeSNS(t *testing.T, p *pki) *fakeSNS {
	f := &fakeSNS{confirmStatus: http.StatusOK}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/" && r.URL.Query().Get("Action") == "ConfirmSubscription":
			f.mu.Lock()
			f.confirms = append(f.confirms, r.URL.Query())
			status := f.confirmStatus
			f.mu.Unlock()
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<ConfirmSubscriptionResponse/>"))
		case strings.HasSuffix(r.URL.Path, ".pem"):
			f.certGets.Add(1)
			switch r.URL.Path {
			case "/missing.pem":
				http.NotFound(w, r)
			case "/expired.pem":
				_, _ = w.Write(p.expiredPEM)
			case "/future.pem":
				_, _ = w.Write(p.futurePEM)
			case "/garbage.txt.pem":
				_, _ = w.Write([]byte("<html>Service Unavailable</html>"))
			case "/redirect.pem":
				http.Redirect(w, r, f.redirectTo, http.StatusFound)
			default:
				_, _ = w.Write(p.leafPEM)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSNS) port() string {
	u, _ := url.Parse(f.srv.URL)
	return u.Port()
}

// rehost points an SNS URL of a fixture at the fake, keeping path and query.
func (f *fakeSNS) rehost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.Host = "127.0.0.1:" + f.port()
	return u.String()
}

func (f *fakeSNS) confirmed() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.confirms...)
}

// recorder keeps what is dispatched (inboundtest.Recorder).
type recorder = inboundtest.Recorder

// harness is one adapter wired to its own fake SNS and recorder.
type harness struct {
	pki    *pki
	sns    *fakeSNS
	router *recorder
	a      *Adapter
	now    atomic.Pointer[time.Time]
}

func newHarness(t *testing.T, edit ...func(*Options)) *harness {
	t.Helper()
	h := &harness{pki: keys(t), router: &recorder{}}
	h.sns = newFakeSNS(t, h.pki)
	h.setNow(t0)
	opts := Options{
		TopicARNs:  []string{testTopic},
		CertHost:   regexp.MustCompile(`^127\.0\.0\.1$`),
		HTTPClient: h.sns.srv.Client(),
		Router:     h.router,
		Now:        func() time.Time { return *h.now.Load() },
	}
	for _, e := range edit {
		e(&opts)
	}
	a, err := New(opts)
	require.NoError(t, err)
	h.a = a
	return h
}

func (h *harness) setNow(t time.Time) { h.now.Store(&t) }

// load reads a fixture, an SNS message as AWS sends it, with its URLs
// pointed at the fake SNS. It is not signed yet.
func (h *harness) load(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var msg map[string]any
	require.NoError(t, json.Unmarshal(b, &msg))
	for _, k := range []string{"SigningCertURL", "SubscribeURL"} {
		if s, ok := msg[k].(string); ok {
			msg[k] = h.sns.rehost(s)
		}
	}
	return msg
}

// sign signs msg as SNS does, written apart from the package's own code
// so that a mistake there fails here: "Key\nValue\n" for the keys present,
// in this order, RSA PKCS#1 v1.5 with SHA1 (version 1) or SHA256.
func sign(msg map[string]any, version string, key *rsa.PrivateKey) {
	var b strings.Builder
	for _, k := range []string{"Message", "MessageId", "Subject", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"} {
		if v, ok := msg[k].(string); ok {
			b.WriteString(k + "\n" + v + "\n")
		}
	}
	hash := crypto.SHA256
	if version == "1" {
		hash = crypto.SHA1
	}
	d := hash.New()
	d.Write([]byte(b.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, hash, d.Sum(nil))
	if err != nil {
		panic(err)
	}
	msg["SignatureVersion"] = version
	msg["Signature"] = base64.StdEncoding.EncodeToString(sig)
}

// post delivers msg as SNS does and returns the recorder and Handle's error.
func (h *harness) post(t testing.TB, msg map[string]any) (*httptest.ResponseRecorder, error) {
	t.Helper()
	b, err := json.Marshal(msg)
	require.NoError(t, err)
	return h.postRaw(b, msg["Type"])
}

func (h *harness) postRaw(body []byte, typ any) (*httptest.ResponseRecorder, error) {
	req := httptest.NewRequest(http.MethodPost, "/alerts/cloudwatch", bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	if s, ok := typ.(string); ok {
		req.Header.Set("x-amz-sns-message-type", s)
	}
	w := httptest.NewRecorder()
	return w, h.a.Handle(w, req)
}

// requireRefused checks err is the RequestError with status and code, and
// that its message contains want.
func requireRefused(t testing.TB, err error, status int, code, want string) {
	t.Helper()
	var re *httpx.Error
	require.True(t, errors.As(err, &re), "want a *httpx.Error, got %v", err)
	require.Equal(t, status, re.HTTPStatus())
	require.Equal(t, code, re.ErrorCode())
	require.Contains(t, re.Error(), want)
}
