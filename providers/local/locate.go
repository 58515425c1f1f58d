package local

import (
	"path/filepath"
	"strings"

	"github.com/rehome/rehome/providers"
)

// Where says where the environment keeps the named bucket or zone, or
// its secrets file, relative to the path as configured (relative when it
// was): `no file zones/example.org.zone under legacy/`. It is used in
// "not found" messages; "" for kinds the provider does not hold.
func (p *Provider) Where(kind providers.Kind, name string) string {
	under := " under " + p.shownPath()
	switch kind {
	case providers.KindStorage:
		return "no folder " + bucketsDir + "/" + name + "/" + under
	case providers.KindDNS:
		return "no file " + zonesDir + "/" + strings.TrimSuffix(name, ".") + zoneFileSuffix + under
	case providers.KindSecrets:
		return "no file " + secretsPlain + " or " + secretsAge + under
	}
	return ""
}

// shownPath is the environment's path as the configuration wrote it,
// with a trailing separator ("legacy/").
func (p *Provider) shownPath() string {
	s := p.path
	if s == "" {
		s = p.root
	}
	s = filepath.ToSlash(filepath.Clean(s))
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s
}
