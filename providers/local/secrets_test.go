package local

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

// specialValues are secret values that break naive dotenv writers.
var specialValues = map[string]string{
	"SPACES":         "  leading and trailing  ",
	"DOUBLE_QUOTES":  `he said "hi"`,
	"SINGLE_QUOTES":  `it's 'quoted'`,
	"HASH":           "abc #not a comment",
	"HASH_TIGHT":     "abc#def",
	"EQUALS":         "a=b==c",
	"NEWLINES":       "line one\nline two\n",
	"CRLF":           "windows\r\nline",
	"UNICODE":        "grüße 🔑 密码",
	"DOLLAR":         "$HOME and ${PATH} and $(whoami)",
	"BACKSLASHES":    `C:\path\to\n\file \$ \\`,
	"TRAILING_BS":    `ends with a backslash\`,
	"TRAILING_QUOTE": `ends with a quote"`,
	"ALL_AT_ONCE":    "it's \"all\"\n# here $X \\",
	"QUOTE_MIX_END":  "it's a \"quote\"\nat the end\"",
	"BS_MIX_END":     "it's\na backslash\\",
	"LEADING_QUOTE":  `"starts with a quote`,
	"ONLY_QUOTES":    `""`,
	"BACKTICK":       "`cmd` !bang",
	"TAB":            "a\tb",
	"EMPTY":          "",
	"NUMBER":         "00123",
	"JSON":           `{"user":"app","pass":"p@ss w0rd"}`,
	"PEM":            "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
	"export":         "a key named export",
	"dotted.name":    "dots are allowed",
}

func TestDotenvRoundTrip(t *testing.T) {
	for name, v := range specialValues {
		t.Run(name, func(t *testing.T) {
			in := map[string]string{name: v}
			doc, err := encodeDotenv(in)
			if err != nil {
				t.Fatalf("encodeDotenv: %v", err)
			}
			back, err := parseDotenv(doc)
			if err != nil {
				t.Fatalf("godotenv cannot parse what we wrote: %v\n%s", err, doc)
			}
			if diff := cmp.Diff(in, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s\ndocument:\n%s", diff, doc)
			}
		})
	}
	t.Run("all in one file, sorted", func(t *testing.T) {
		doc, err := encodeDotenv(specialValues)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseDotenv(doc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(specialValues, back); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		var keys []string
		for _, l := range strings.Split(string(doc), "\n") {
			if k, _, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") && validSecretName(k) {
				keys = append(keys, k)
			}
		}
		if !slicesSorted(keys) {
			t.Errorf("keys not sorted: %v", keys)
		}
	})
}

func slicesSorted(xs []string) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i-1] > xs[i] {
			return false
		}
	}
	return true
}

// Random values built from the characters godotenv treats specially.
func TestDotenvRoundTripRandom(t *testing.T) {
	alphabet := []rune("ab $#='\"\\\n\r\t{}()!`:ä🔑_X")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		n := rng.IntN(12)
		r := make([]rune, n)
		for j := range r {
			r[j] = alphabet[rng.IntN(len(alphabet))]
		}
		in := map[string]string{"K": string(r), "K2": "x"}
		doc, err := encodeDotenv(in)
		if err != nil {
			t.Fatalf("case %d %q: %v", i, string(r), err)
		}
		back, err := parseDotenv(doc)
		if err != nil || !cmp.Equal(in, back) {
			t.Fatalf("case %d %q: read back %q, %v", i, string(r), back, err)
		}
	}
}

func TestDotenvRefusals(t *testing.T) {
	for name, in := range map[string]map[string]string{
		"bad name":    {"prod/db-password": "x"},
		"invalid utf": {"BIN": "\xff\xfe\"\n'"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := encodeDotenv(in)
			if err == nil {
				t.Fatal("encodeDotenv succeeded")
			}
			for _, v := range in {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error %q contains the value", err)
				}
			}
		})
	}
}

// ageKeys makes an identity file and returns its path and the recipient.
func ageKeys(t *testing.T) (identityFile, recipient string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	identityFile = filepath.Join(t.TempDir(), "key.txt")
	writeFile(t, identityFile, "# created by the test\n"+id.String()+"\n")
	return identityFile, id.Recipient().String()
}

func encryptTo(t *testing.T, recipient, plain string) []byte {
	t.Helper()
	r, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, plain)
	w.Close()
	return buf.Bytes()
}

func getAll(t *testing.T, p *Provider) map[string]string {
	t.Helper()
	metas, err := p.ListSecrets(ctx())
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	out := map[string]string{}
	for _, m := range metas {
		if m.Version != "" {
			t.Errorf("%s has version %q, want \"\"", m.Name, m.Version)
		}
		s, err := p.GetSecret(ctx(), m.Name)
		if err != nil {
			t.Fatalf("GetSecret(%s): %v", m.Name, err)
		}
		out[m.Name] = string(s.Value)
	}
	return out
}

var plainFixture = map[string]string{
	"DATABASE_URL":  "postgres://app:p@ss w0rd@db.internal:5432/shop?sslmode=require",
	"API_KEY":       "abc123",
	"STRIPE_SECRET": "sk_test_#not_a_comment",
	"MULTILINE":     "line one\nline two",
	"EMPTY":         "",
	"GREETING":      "grüß dich = hello # not a comment",
}

func TestSecretsSources(t *testing.T) {
	idFile, recipient := ageKeys(t)
	plain, _ := os.ReadFile(filepath.Join("testdata", "secrets.env"))
	tests := []struct {
		name  string
		files map[string][]byte
		o     opts
		want  map[string]string
	}{
		{name: "plain dotenv", files: map[string][]byte{"secrets.env": plain}, want: plainFixture},
		{name: "age-encrypted dotenv", files: map[string][]byte{"secrets.env.age": encryptTo(t, recipient, string(plain))},
			o: opts{identity: idFile}, want: plainFixture},
		{name: "no secrets file", want: map[string]string{}},
		{name: "missing PATH", o: opts{path: filepath.Join(t.TempDir(), "does-not-exist")}, want: map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, tc.o)
			for n, b := range tc.files {
				writeFile(t, filepath.Join(p.Root(), n), string(b))
			}
			if diff := cmp.Diff(tc.want, getAll(t, p)); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
			metas, _ := p.ListSecrets(ctx())
			for i := 1; i < len(metas); i++ {
				if metas[i-1].Name >= metas[i].Name {
					t.Errorf("ListSecrets not sorted: %v", metas)
				}
			}
			if _, err := p.GetSecret(ctx(), "NOPE"); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("GetSecret(NOPE) = %v, want ErrNotFound", err)
			}
		})
	}
}

// assertNoValues fails when err mentions any of the values.
func assertNoValues(t *testing.T, err error, values map[string]string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range values {
		if len(v) >= 4 && strings.Contains(err.Error(), v) {
			t.Errorf("error %q reveals a secret value", err)
		}
	}
}

func TestSecretsSourceErrors(t *testing.T) {
	idFile, recipient := ageKeys(t)
	otherID, _ := ageKeys(t)
	enc := encryptTo(t, recipient, "TOKEN=hunter2-very-secret\n")
	tests := []struct {
		name    string
		files   map[string]string
		o       opts
		wantErr string
	}{
		{name: "both files", files: map[string]string{"secrets.env": "A=1\n", "secrets.env.age": string(enc)},
			o: opts{identity: idFile}, wantErr: "both"},
		{name: "age file without identity", files: map[string]string{"secrets.env.age": string(enc)},
			wantErr: "set age_identity_file"},
		{name: "age file with the wrong identity", files: map[string]string{"secrets.env.age": string(enc)},
			o: opts{identity: otherID}, wantErr: "decrypt"},
		{name: "dotenv syntax error", files: map[string]string{"secrets.env": "TOKEN=\"hunter2-very-secret\nBAD KEY!=x"},
			wantErr: "invalid dotenv syntax"},
		{name: "bad key char", files: map[string]string{"secrets.env": "hunter2-very-secret=x\n"},
			wantErr: "invalid dotenv syntax"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, tc.o)
			for n, b := range tc.files {
				writeFile(t, filepath.Join(p.Root(), n), b)
			}
			_, err := p.ListSecrets(ctx())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ListSecrets = %v, want error %q", err, tc.wantErr)
			}
			assertNoValues(t, err, map[string]string{"v": "hunter2-very-secret"})
			_, err = p.GetSecret(ctx(), "TOKEN")
			assertNoValues(t, err, map[string]string{"v": "hunter2-very-secret"})
		})
	}
}

func TestSecretsDestinationRoundTrip(t *testing.T) {
	idFile, recipient := ageKeys(t)
	p := newProvider(t, opts{recipients: []string{recipient}, identity: idFile})
	var in []providers.Secret
	for k, v := range specialValues {
		in = append(in, providers.Secret{SecretMeta: providers.SecretMeta{Name: k}, Value: []byte(v)})
	}
	versions, err := p.PutSecrets(ctx(), in)
	if err != nil {
		t.Fatalf("PutSecrets: %v", err)
	}
	for k := range specialValues {
		if v, ok := versions[k]; !ok || v != "" {
			t.Errorf("version of %s = %q, %v; want \"\", true", k, v, ok)
		}
	}
	fp := filepath.Join(p.Root(), "secrets.env.age")
	fi, err := os.Stat(fp)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(fp)
	for k, v := range specialValues {
		if len(v) >= 6 && bytes.Contains(raw, []byte(v)) {
			t.Errorf("the file holds the value of %s in the clear", k)
		}
	}
	if _, err := os.Stat(filepath.Join(p.Root(), "secrets.env")); !os.IsNotExist(err) {
		t.Errorf("a plaintext secrets.env was written: %v", err)
	}

	// A separate reader with only the identity sees the same values.
	reader := newProvider(t, opts{path: p.Root(), identity: idFile})
	if diff := cmp.Diff(specialValues, getAll(t, reader)); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}

	// Merge: a second Put adds and replaces, keeping the rest.
	if _, err := p.PutSecrets(ctx(), []providers.Secret{
		{SecretMeta: providers.SecretMeta{Name: "EQUALS"}, Value: []byte("replaced")},
		{SecretMeta: providers.SecretMeta{Name: "NEW_ONE"}, Value: []byte("added")},
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for k, v := range specialValues {
		want[k] = v
	}
	want["EQUALS"], want["NEW_ONE"] = "replaced", "added"
	if diff := cmp.Diff(want, getAll(t, reader)); diff != "" {
		t.Errorf("after merge (-want +got):\n%s", diff)
	}

	// Delete some (absent names ignored), then all: the file goes away.
	if err := p.DeleteSecrets(ctx(), []string{"EQUALS", "NEW_ONE", "NEVER_THERE"}); err != nil {
		t.Fatal(err)
	}
	delete(want, "EQUALS")
	delete(want, "NEW_ONE")
	if diff := cmp.Diff(want, getAll(t, reader)); diff != "" {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}
	var all []string
	for k := range specialValues {
		all = append(all, k)
	}
	if err := p.DeleteSecrets(ctx(), all); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fp); !os.IsNotExist(err) {
		t.Errorf("secrets file kept with no secrets in it: %v", err)
	}
	if err := p.DeleteSecrets(ctx(), all); err != nil {
		t.Errorf("DeleteSecrets with no file: %v", err)
	}
}

func TestSecretsDestinationRefusals(t *testing.T) {
	idFile, recipient := ageKeys(t)
	secret := providers.Secret{SecretMeta: providers.SecretMeta{Name: "TOKEN"}, Value: []byte("hunter2-very-secret")}
	tests := []struct {
		name    string
		o       opts
		files   map[string]string
		secrets []providers.Secret
		wantErr string
	}{
		{name: "no recipients", o: opts{identity: idFile}, secrets: []providers.Secret{secret},
			wantErr: "never writes secrets unencrypted"},
		{name: "empty recipient list", o: opts{recipients: []string{}}, secrets: []providers.Secret{secret},
			wantErr: "never writes secrets unencrypted"},
		{name: "plaintext file present", o: opts{recipients: []string{recipient}},
			files: map[string]string{"secrets.env": "OTHER=1\n"}, secrets: []providers.Secret{secret},
			wantErr: "plaintext"},
		{name: "existing age file without identity", o: opts{recipients: []string{recipient}},
			files: map[string]string{"secrets.env.age": string(encryptTo(t, recipient, "OLD=1\n"))}, secrets: []providers.Secret{secret},
			wantErr: "age_identity_file"},
		{name: "name that is not a dotenv key", o: opts{recipients: []string{recipient}},
			secrets: []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "prod/db-password"}, Value: []byte("hunter2-very-secret")}},
			wantErr: `"prod/db-password" cannot be a dotenv key`},
		{name: "value no dotenv form carries", o: opts{recipients: []string{recipient}},
			secrets: []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "BIN"}, Value: []byte("hunter2-very-secret\xff\"\n'")}},
			wantErr: `secret "BIN": its value cannot be written`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, tc.o)
			before := map[string]string{}
			for n, b := range tc.files {
				writeFile(t, filepath.Join(p.Root(), n), b)
				before[n] = b
			}
			_, err := p.PutSecrets(ctx(), tc.secrets)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("PutSecrets = %v, want error %q", err, tc.wantErr)
			}
			assertNoValues(t, err, map[string]string{"v": "hunter2-very-secret"})
			ents, _ := os.ReadDir(p.Root())
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
				b, _ := os.ReadFile(filepath.Join(p.Root(), e.Name()))
				if string(b) != before[e.Name()] {
					t.Errorf("%s written although refused", e.Name())
				}
			}
			if len(names) != len(tc.files) {
				t.Errorf("files after refusal: %v", names)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := providers.Secret{SecretMeta: providers.SecretMeta{Name: "TOKEN"}, Value: []byte("hunter2-very-secret")}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("formatted secret shows the value: %s", out)
		}
	}
	idFile, recipient := ageKeys(t)
	p := newProvider(t, opts{recipients: []string{recipient}, identity: idFile})
	key, _ := os.ReadFile(idFile)
	for _, out := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s", p, p, p, p)} {
		if strings.Contains(out, "AGE-SECRET-KEY") || !utf8.ValidString(out) || bytes.Contains([]byte(out), bytes.TrimSpace(key)) {
			t.Errorf("formatted provider shows key material: %s", out)
		}
	}
}
