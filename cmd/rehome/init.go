package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// initFile is the file `rehome init` writes.
const initFile = "migration.hcl"

// initCloud describes, per provider -from accepts, how the starter's
// source environment is written: the place attribute (region or
// location) with its default and the credentials as env() references.
type initCloud struct {
	placeAttr, placeEnv, placeDef string
	creds                         [][2]string // attribute, environment variable
	credsNote                     string
}

var initClouds = map[string]initCloud{
	"aws": {placeAttr: "region", placeEnv: "AWS_REGION", placeDef: "eu-central-1",
		creds:     [][2]string{{"access_key", "AWS_ACCESS_KEY_ID"}, {"secret_key", "AWS_SECRET_ACCESS_KEY"}},
		credsNote: "Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the SDK's chain (AWS_PROFILE, SSO, instance role)."},
	"hcloud": {placeAttr: "location", placeEnv: "HCLOUD_LOCATION", placeDef: "fsn1",
		creds:     [][2]string{{"token", "HCLOUD_TOKEN"}},
		credsNote: "Credentials: the Cloud API token in HCLOUD_TOKEN."},
	"digitalocean": {placeAttr: "region", placeEnv: "DIGITALOCEAN_REGION", placeDef: "fra1",
		creds:     [][2]string{{"token", "DIGITALOCEAN_TOKEN"}},
		credsNote: "Credentials: the API token in DIGITALOCEAN_TOKEN."},
}

// initCmd writes a commented starter configuration.
func (c *cli) initCmd(args []string) int {
	flags := c.newFlags("init [options]")
	force := flags.Bool("force", false, "overwrite an existing "+initFile)
	from := flags.String("from", "", "discover the source from a cloud account: aws, hcloud or digitalocean (credentials from the SDK's usual variables)")
	place := flags.String("region", "", "with -from: the source's region (aws, digitalocean) or location (hcloud); default from AWS_REGION, else the provider's first")
	if _, ok := c.parse(flags, args, 0); !ok {
		return c.failed()
	}
	if _, ok := initClouds[*from]; *from != "" && !ok {
		return c.errorf("-from=%s: rehome init discovers aws, hcloud or digitalocean", *from)
	}
	path := filepath.Join(c.dir, initFile)
	if _, err := os.Stat(path); err == nil && !*force {
		return c.errorf("%s already exists; rehome init does not overwrite it (use -force to replace it)", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c.errorf("check %s: %v", path, err)
	}
	var text string
	if *from == "" {
		text = localStarter()
	} else {
		cl := initClouds[*from]
		p := *place
		if p == "" {
			p, _ = c.getenv(cl.placeEnv)
		}
		if p == "" {
			p = cl.placeDef
		}
		found, err := c.initDiscover(*from, cl, p)
		if err != nil {
			return c.errorf("discover the %s source: %v", *from, err)
		}
		set := map[string]bool{}
		for _, cr := range cl.creds {
			if v, ok := c.getenv(cr[1]); ok && v != "" {
				set[cr[1]] = true
			}
		}
		text = cloudStarter(*from, cl, p, found, set)
	}
	// The starter is written in canonical format, so `rehome fmt -check`
	// passes on it as written.
	out, diags := lang.FormatSource([]byte(text), initFile)
	if diags.HasErrors() {
		return c.errorf("the starter configuration does not parse (a bug in rehome init): %s", diags.Error())
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return c.errorf("create %s: %v", c.dir, err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return c.errorf("write %s: %v", path, err)
	}
	fmt.Fprintf(c.s.out, "Wrote %s. Next: edit it, then run rehome validate and rehome plan.\n", path)
	return 0
}

// initFound is what discovery of a cloud source listed, by kind.
type initFound struct {
	buckets, zones, queues, secrets []string
}

// initDiscover configures the registered provider from the process
// environment (the SDKs' usual variables) and lists the source.
func (c *cli) initDiscover(name string, cl initCloud, place string) (initFound, error) {
	var found initFound
	f, ok := newRegistry().Get(name)
	if !ok {
		return found, fmt.Errorf("no provider %q in this build", name)
	}
	p := f.New()
	val := cty.ObjectVal(map[string]cty.Value{cl.placeAttr: cty.StringVal(place)})
	if err := p.Configure(c.ctx, providers.Config{Env: "source", Dir: c.dir, Value: val, Logger: c.log, Getenv: c.getenv}); err != nil {
		return found, err
	}
	inv, err := p.Discover(c.ctx, providers.Scope{Source: true})
	if err != nil {
		return found, err
	}
	for _, r := range inv.Resources {
		n := strings.TrimSuffix(r.Name, ".")
		switch r.Kind {
		case providers.KindStorage:
			found.buckets = append(found.buckets, n)
		case providers.KindDNS:
			found.zones = append(found.zones, n)
		case providers.KindQueue:
			found.queues = append(found.queues, n)
		case providers.KindSecrets:
			found.secrets = append(found.secrets, n)
		}
	}
	for _, xs := range [][]string{found.buckets, found.zones, found.queues, found.secrets} {
		sort.Strings(xs)
	}
	return found, nil
}

const localStarterText = `# A starter configuration written by rehome init: move a folder environment
# ("legacy") to a new one ("new") with the local provider, offline.
#
#   rehome validate   # check this file
#   rehome plan       # discover both sides and show the ordered move plan
#   rehome apply      # carry out the prepare phase
#
# A local environment is a folder laid out like this (see rehome providers):
#   PATH/buckets/NAME/...   a bucket; every regular file below it is an object
#   PATH/zones/ZONE.zone    a BIND zone file for ZONE
#   PATH/secrets.env        plaintext dotenv secrets (or secrets.env.age, encrypted)

migration "starter" {
  description = "legacy folder environment to a new one"
  # state { path = ".rehome/state" }   # the default
}

environment "legacy" {
  provider = "local"
  path     = "legacy" # relative to this file's folder; the source is only read
}

environment "new" {
  provider = "local"
  path     = "new"
  # Secrets are written age-encrypted: make a key pair with age-keygen and
  # put its public key here (the plan blocks the secrets move without it).
  # age_recipients    = ["age1..."]
  # age_identity_file = "new-age.key" # to verify what was written
  # nameservers       = ["ns1.example.net."] # apex NS of the zones rehome creates
}

# Every bucket under legacy/buckets/ (narrow it with include = ["shop-*"]).
move "storage" "buckets" {
  from   = environment.legacy
  to     = environment.new
  verify = "checksum" # or "size"
  # include = ["shop-*"]
  # rename  = { "old-name" = "new-name" }
}

# Every zone file under legacy/zones/ (or list them: zones = ["example.com"]).
move "dns" "zones" {
  from = environment.legacy
  to   = environment.new
  # cutover_ttl = 60 # lower the source's TTLs before the switch
}

# The secrets of legacy/secrets.env (or secrets.env.age).
move "secrets" "app" {
  from = environment.legacy
  to   = environment.new
}

# Scan application code and configuration for references to the source.
audit {
  scan = ["."]
}
`

func localStarter() string { return localStarterText }

// cloudStarter writes a starter moving what discovery found at a cloud
// source into a local folder; credentials appear only as env() references,
// active for the variables set now (set), commented out for the others
// (an unset variable would fail validation; the SDK chain may not need it).
func cloudStarter(name string, cl initCloud, place string, found initFound, set map[string]bool) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# A starter configuration written by rehome init -from=%s: what discovery\n", name)
	w("# listed at the source, moved to a local folder (\"new\"). Change the\n")
	w("# destination to another cloud environment when you are ready.\n#\n")
	w("#   rehome validate   # check this file\n#   rehome plan       # discover both sides and show the ordered move plan\n\n")
	w("migration \"starter\" {\n  description = %q\n}\n\n", name+" "+place+" to a local folder")
	w("environment \"source\" {\n  provider = %q\n  %s = %q\n", name, cl.placeAttr, place)
	w("  # %s\n", cl.credsNote)
	for _, cr := range cl.creds {
		if set[cr[1]] {
			w("  %s = env(%q)\n", cr[0], cr[1])
		} else {
			w("  # %s = env(%q)\n", cr[0], cr[1])
		}
	}
	w("}\n\n")
	w("environment \"new\" {\n  provider = \"local\"\n  path     = \"new\"\n")
	w("  # age_recipients = [\"age1...\"] # needed to write secrets\n}\n\n")
	list := func(xs []string) string {
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = fmt.Sprintf("%q", x)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	if len(found.buckets) > 0 {
		w("# The buckets discovery listed.\nmove \"storage\" \"buckets\" {\n  from    = environment.source\n  to      = environment.new\n  buckets = %s\n  verify  = \"checksum\"\n}\n\n", list(found.buckets))
	}
	if len(found.zones) > 0 {
		w("# The zones discovery listed.\nmove \"dns\" \"zones\" {\n  from  = environment.source\n  to    = environment.new\n  zones = %s\n  # cutover_ttl = 60\n}\n\n", list(found.zones))
	}
	if len(found.secrets) > 0 {
		w("# The secrets discovery listed.\nmove \"secrets\" \"app\" {\n  from    = environment.source\n  to      = environment.new\n  include = %s\n}\n\n", list(found.secrets))
	}
	if len(found.queues) > 0 {
		w("# The queues discovery listed. A local folder cannot hold queues: add a\n# destination environment that can, then uncomment.\n")
		w("# move \"queue\" \"queues\" {\n#   from = environment.source\n#   to   = environment.QUEUE_DESTINATION\n#   include = %s\n# }\n\n", list(found.queues))
	}
	if len(found.buckets)+len(found.zones)+len(found.secrets)+len(found.queues) == 0 {
		w("# Discovery listed no buckets, zones, queues or secrets at the source.\n\n")
	}
	w("# Scan application code and configuration for references to the source.\naudit {\n  scan = [\".\"]\n}\n")
	return b.String()
}
