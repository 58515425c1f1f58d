package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/providers"
)

var _ providers.SerialRestorer = (*Provider)(nil)

// setsDigest is a digest of a zone's record sets other than the SOA.
func (z *zoneData) setsDigest() string {
	keys := make([]string, 0, len(z.sets))
	for k, rs := range z.sets {
		if rs.Type != "SOA" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		rs := z.sets[k]
		fmt.Fprintf(h, "%s\x00%d\x00%s\x01", k, rs.TTL, strings.Join(rs.Values, "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ZoneSerial returns the zone file's SOA serial and the digest of its
// other sets.
func (p *Provider) ZoneSerial(ctx context.Context, zone string) (uint32, string, error) {
	p.zoneMu.Lock()
	defer p.zoneMu.Unlock()
	name, fp, err := p.zonePath(zone)
	if err != nil {
		return 0, "", fmt.Errorf("local: zone %s: %w", zone, err)
	}
	z, err := readZone(ctx, name, fp)
	if err != nil {
		return 0, "", err
	}
	soa, err := z.soa()
	if err != nil {
		return 0, "", fmt.Errorf("local: zone %s (%s): %w", name, fp, err)
	}
	return soa.Serial, z.setsDigest(), nil
}

// RestoreSerial writes serial into the zone file's SOA, editing only that
// field, when the other sets still have digest.
func (p *Provider) RestoreSerial(ctx context.Context, zone string, serial uint32, digest string) (bool, error) {
	p.zoneMu.Lock()
	defer p.zoneMu.Unlock()
	name, fp, err := p.zonePath(zone)
	if err != nil {
		return false, fmt.Errorf("local: zone %s: %w", zone, err)
	}
	z, err := readZone(ctx, name, fp)
	if err != nil {
		return false, err
	}
	if z.setsDigest() != digest {
		return false, nil
	}
	soa, err := z.soa()
	if err != nil {
		return false, fmt.Errorf("local: zone %s (%s): %w", name, fp, err)
	}
	if soa.Serial == serial {
		return true, nil
	}
	s := *soa
	s.Serial = serial
	if err := z.setSOA(&s, z.sets[name+" SOA"].TTL); err != nil {
		return false, fmt.Errorf("local: zone %s (%s): %w", name, fp, err)
	}
	if err := z.write(); err != nil {
		return false, fmt.Errorf("local: restore the serial of zone %s (%s): %w", name, fp, err)
	}
	return true, nil
}
