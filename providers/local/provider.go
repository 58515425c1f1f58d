package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/miekg/dns"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "local"

// Layout names below the environment's path.
const (
	bucketsDir     = "buckets"
	zonesDir       = "zones"
	tmpDirName     = ".rehome-tmp"
	secretsPlain   = "secrets.env"
	secretsAge     = "secrets.env.age"
	zoneFileSuffix = ".zone"
)

// DefaultNameserver is the apex NS (and SOA mname) CreateZone writes when the
// environment sets no `nameservers`. It follows BIND's own convention for
// zones that no real server announces (db.empty, db.local): `localhost.` is
// outside every zone rehome creates, so the file passes named-checkzone
// without an address record that rehome would have to invent.
const DefaultNameserver = "localhost."

// Factory registers the local provider.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "A local directory as an environment: folders as buckets, BIND zone files, an age-encrypted dotenv file for secrets",
		Schema:      schema(),
		Caps:        capabilities(),
		New:         func() providers.Provider { return New() },
		Layout:      layout,
	}
}

// layout is the folder layout `rehome providers local` prints (doc.go
// says the same at more length).
const layout = `PATH/buckets/NAME/...      a bucket NAME; every regular file below it is an object, its key the '/'-separated path below the folder
PATH/zones/ZONE.zone       a BIND zone file for ZONE (e.g. zones/example.com.zone; no trailing dot)
PATH/secrets.env           plaintext dotenv secrets, NAME=value per line (read only: rehome never writes it)
PATH/secrets.env.age       the same, age-encrypted (read with age_identity_file; rehome writes this one)
PATH/.rehome-tmp/          uploads in progress (never a bucket)
A missing PATH is an empty destination; a source's PATH must exist. Symbolic links, sockets and devices are not objects.`

func schema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "path", Type: cty.String, Required: true,
			Description: "Directory holding the environment (buckets/, zones/, secrets.env[.age]); relative to the configuration directory"},
		{Name: "age_recipients", Type: cty.List(cty.String),
			Description: "age recipients (\"age1...\") secrets written here are encrypted to; required to write secrets"},
		{Name: "age_identity_file", Type: cty.String,
			Description: "age identity file used to read secrets.env.age; relative to the configuration directory"},
		{Name: "nameservers", Type: cty.List(cty.String),
			Description: "Apex NS names for zones rehome creates (default \"localhost.\"); use names outside the zone, or BIND needs address records for them"},
	}}
}

// recordTypes are the types whose presentation format round-trips through
// miekg/dns and named-checkzone (see the tests).
func recordTypes() []string {
	return []string{"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}
}

func capabilities() providers.Caps {
	both := providers.Source | providers.Destination
	return providers.Caps{
		Kinds: map[providers.Kind]providers.Role{
			providers.KindStorage: both,
			providers.KindDNS:     both,
			providers.KindSecrets: both,
		},
		Storage: providers.StorageCaps{
			Metadata:    false,
			Tags:        false,
			ContentType: false, // derived from the extension
			ModTime:     true,
			FileKeys:    true,
		},
		DNS: providers.DNSCaps{
			RecordTypes: recordTypes(),
			OwnApex:     true,
			Wildcards:   true,
		},
		Secrets: providers.SecretsCaps{
			Versioned:       false,
			EncryptedAtRest: true, // as a destination it only writes age-encrypted files
		},
	}
}

var (
	_ providers.Provider           = (*Provider)(nil)
	_ providers.Storage            = (*Provider)(nil)
	_ providers.PartialCleaner     = (*Provider)(nil)
	_ providers.ConditionalPutter  = (*Provider)(nil)
	_ providers.DNS                = (*Provider)(nil)
	_ providers.Secrets            = (*Provider)(nil)
	_ providers.SecretChecker      = (*Provider)(nil)
	_ providers.SecretStoreChecker = (*Provider)(nil)
	_ providers.Identifier         = (*Provider)(nil)
	_ providers.Locator            = (*Provider)(nil)
)

// Provider is a local directory acting as an environment. Create it with
// New, then Configure it once; afterwards it is safe for concurrent use.
type Provider struct {
	env         string
	path        string // the path attribute as configured, for messages
	root        string // the environment's directory (absolute or relative to the working directory)
	identityLoc string // age identity file, "" when not configured
	identities  []age.Identity
	recipients  []age.Recipient
	nameservers []string
	log         *slog.Logger
	now         func() time.Time

	zoneMu   sync.Mutex // serialises zone rewrites
	secretMu sync.Mutex // serialises secrets rewrites

	mu       sync.Mutex
	inflight map[string]struct{} // temp files Put is writing now
	unsynced []string            // objects PutBatched wrote since the last Sync
}

// New returns an unconfigured local provider.
func New() *Provider {
	return &Provider{
		log:      slog.New(slog.DiscardHandler),
		now:      time.Now,
		inflight: map[string]struct{}{},
	}
}

// Name returns "local".
func (p *Provider) Name() string { return Name }

// String describes the provider without any key material.
func (p *Provider) String() string { return fmt.Sprintf("local(%s)", p.root) }

// GoString redacts like String.
func (p *Provider) GoString() string { return p.String() }

// Root returns the configured directory.
func (p *Provider) Root() string { return p.root }

// Identity is the environment's absolute directory.
func (p *Provider) Identity() string { return "local:" + p.root }

// Configure reads the environment's attributes: path (required),
// age_recipients, age_identity_file and nameservers. Relative paths resolve
// against cfg.Dir. Recipients and the identity file are parsed now, so that a
// bad key fails before any move starts; errors name the attribute (and list
// index), never key material.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	p.env = cfg.Env
	errf := func(format string, args ...any) error {
		return fmt.Errorf("local: environment %q: "+format, append([]any{cfg.Env}, args...)...)
	}
	v, _ := cfg.Value.UnmarkDeep()
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return errf("configuration is missing or not an object")
	}
	get := func(name string) (cty.Value, error) {
		if !v.Type().HasAttribute(name) {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		a := v.GetAttr(name)
		if !a.IsKnown() {
			return a, errf("%s is not known yet", name)
		}
		return a, nil
	}
	str := func(name string) (string, error) {
		a, err := get(name)
		if err != nil || a.IsNull() {
			return "", err
		}
		if a.Type() != cty.String {
			return "", errf("%s must be a string", name)
		}
		return a.AsString(), nil
	}
	list := func(name string) ([]string, error) {
		a, err := get(name)
		if err != nil || a.IsNull() {
			return nil, err
		}
		if !a.CanIterateElements() {
			return nil, errf("%s must be a list of strings", name)
		}
		var out []string
		i := 0
		for it := a.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			if e.IsNull() || !e.IsKnown() || e.Type() != cty.String {
				return nil, errf("%s[%d] must be a known string", name, i)
			}
			out = append(out, e.AsString())
		}
		return out, nil
	}

	var errs []error
	attr := func(name string, err error) {
		errs = append(errs, &providers.AttrError{Attr: name, Err: err})
	}
	path, err := str("path")
	switch {
	case err != nil:
		errs = append(errs, err)
	case strings.TrimSpace(path) == "":
		attr("path", errors.New("a directory is required"))
	}
	p.root = resolve(cfg.Dir, path)
	p.path = path

	recips, err := list("age_recipients")
	if err != nil {
		errs = append(errs, err)
	}
	p.recipients = nil
	for i, s := range recips {
		r, err := parseRecipient(s)
		if err != nil {
			attr(fmt.Sprintf("age_recipients[%d]", i), err)
			continue
		}
		p.recipients = append(p.recipients, r)
	}

	idFile, err := str("age_identity_file")
	if err != nil {
		errs = append(errs, err)
	}
	p.identityLoc, p.identities = "", nil
	if idFile != "" {
		p.identityLoc = resolve(cfg.Dir, idFile)
		ids, err := readIdentities(p.identityLoc)
		if err != nil {
			attr("age_identity_file", err)
		}
		p.identities = ids
	}

	nss, err := list("nameservers")
	if err != nil {
		errs = append(errs, err)
	}
	p.nameservers = nil
	for i, ns := range nss {
		ns = strings.ToLower(dns.Fqdn(strings.TrimSpace(ns)))
		if !isHostName(ns) {
			attr(fmt.Sprintf("nameservers[%d]", i), fmt.Errorf("%q is not a domain name", nss[i]))
			continue
		}
		p.nameservers = append(p.nameservers, ns)
	}
	if len(errs) > 0 {
		return fmt.Errorf("local: environment %q: %w", cfg.Env, errors.Join(errs...))
	}
	return nil
}

// isHostName reports whether name (fully qualified) is a host name:
// letters, digits, '-' and '_' in non-empty labels.
func isHostName(name string) bool {
	if _, ok := dns.IsDomainName(name); !ok || name == "." {
		return false
	}
	for _, l := range dns.SplitDomainName(name) {
		if l == "" {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func resolve(dir, path string) string {
	if filepath.IsAbs(path) || dir == "" {
		return filepath.Clean(path)
	}
	return filepath.Join(dir, path)
}

// parseRecipient parses one age recipient. The input is never echoed unless
// it looks like a public key: a secret key pasted by mistake must not end
// up in an error message.
func parseRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, errors.New("empty recipient")
	case strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-"):
		return nil, errors.New("this is an age identity (a secret key), not a recipient; use its public key (age-keygen -y)")
	case strings.ContainsAny(s, "\r\n"):
		return nil, errors.New("a recipient must be one line")
	case !strings.HasPrefix(s, "age1"):
		return nil, errors.New("not an age recipient (expected \"age1...\")")
	}
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil {
		return nil, fmt.Errorf("invalid age recipient: %w", err)
	}
	if len(rs) != 1 {
		return nil, errors.New("expected exactly one recipient")
	}
	return rs[0], nil
}

func readIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read identity file: %w", err)
	}
	defer f.Close()
	// age's parse errors give a line number and never key material.
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("parse identity file %s: %w", path, err)
	}
	return ids, nil
}

func (p *Provider) configured() error {
	if p.root == "" {
		return errors.New("local: provider is not configured")
	}
	return nil
}

// Discover lists the environment's buckets, zones and secrets (those the
// scope asks for). A missing directory is an empty environment, not an
// error: a destination is often discovered before rehome creates anything.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	if err := p.configured(); err != nil {
		return nil, err
	}
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	if scope.Source {
		// A destination may not exist yet; a source must (a mistyped path
		// would otherwise look like an empty environment).
		fi, err := os.Stat(p.root)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, &providers.AttrError{Attr: "path", Err: fmt.Errorf("the source folder %s does not exist", p.root)}
		case err != nil:
			return nil, &providers.AttrError{Attr: "path", Err: fmt.Errorf("the source folder %s cannot be read: %w", p.root, err)}
		case !fi.IsDir():
			return nil, &providers.AttrError{Attr: "path", Err: fmt.Errorf("the source path %s is a file, not a folder", p.root)}
		}
	}
	if scope.Has(providers.KindStorage) {
		rs, err := p.discoverBuckets(ctx, scope.Shallow)
		if err != nil {
			return nil, err
		}
		inv.Resources = append(inv.Resources, rs...)
	}
	if scope.Has(providers.KindDNS) {
		rs, err := p.discoverZones(ctx)
		if err != nil {
			return nil, err
		}
		inv.Resources = append(inv.Resources, rs...)
	}
	if scope.Has(providers.KindSecrets) {
		rs, err := p.discoverSecrets(ctx)
		if err != nil {
			return nil, err
		}
		inv.Resources = append(inv.Resources, rs...)
	}
	for i := range inv.Resources {
		inv.Resources[i].Env = p.env
		inv.Resources[i].Provider = Name
	}
	inv.Sort()
	return inv, nil
}
