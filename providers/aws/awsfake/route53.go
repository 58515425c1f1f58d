package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Route 53's namespace and limits, from the API reference
// (ChangeResourceRecordSets: "A request cannot contain more than 1,000
// ResourceRecord elements ... The sum of the number of characters
// (including spaces) in all Value elements in a request cannot exceed
// 32,000 characters"; UPSERTs count twice).
const (
	route53NS        = "https://route53.amazonaws.com/doc/2013-04-01/"
	Route53MaxRecs   = 1000
	Route53MaxChars  = 32000
	route53ListZones = 100 // ListHostedZones' default and largest MaxItems
	route53ListSets  = 300 // ListResourceRecordSets' default and largest MaxItems
)

// route53Types are the record types Route 53 accepts.
var route53Types = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

// Route53Types returns the record types Route 53 accepts.
func Route53Types() []string { return slices.Clone(route53Types) }

// Route53Server is a stateful fake of the Route 53 REST-XML API
// (2013-04-01): hosted zones public and private, record sets with alias
// targets and routing policies, change batches with their limits and
// CREATE/DELETE/UPSERT semantics, GetChange (PENDING, then INSYNC) and
// GetDNSSEC. CreateHostedZone writes the zone's SOA and NS itself, as Route
// 53 does. Test hooks inject throttling and set a zone's DNSSEC signing.
type Route53Server struct {
	mu      sync.Mutex
	seq     int
	zones   []*r53Zone // in creation order
	refs    map[string]string
	changes map[string]*r53Change
	// pending is how many GetChange calls a change answers PENDING.
	pending  int
	throttle int
	// throttleChanges: the next n ChangeResourceRecordSets requests.
	throttleChanges int
	batches         int
}

type r53Zone struct {
	id, name, ref, comment string
	private                bool
	vpcs                   []r53VPC
	ns                     []string
	sets                   []r53Set
	signing                bool
}

type r53Change struct {
	id, status, comment string
	submitted           time.Time
	polls               int
}

// NewRoute53 returns an empty Route 53.
func NewRoute53() *Route53Server {
	return &Route53Server{refs: map[string]string{}, changes: map[string]*r53Change{}, pending: 1}
}

// SetPending sets how many GetChange calls answer PENDING before INSYNC
// (1 by default).
func (f *Route53Server) SetPending(n int) {
	f.mu.Lock()
	f.pending = n
	f.mu.Unlock()
}

// Throttle makes the next n requests fail with Throttling (HTTP 400, "Rate
// exceeded"), as Route 53 answers above five requests a second.
func (f *Route53Server) Throttle(n int) {
	f.mu.Lock()
	f.throttle = n
	f.mu.Unlock()
}

// ThrottleChanges makes the next n ChangeResourceRecordSets requests (only
// those) fail with Throttling, changing nothing.
func (f *Route53Server) ThrottleChanges(n int) {
	f.mu.Lock()
	f.throttleChanges = n
	f.mu.Unlock()
}

// Batches counts the ChangeResourceRecordSets requests accepted so far.
func (f *Route53Server) Batches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.batches
}

// SetSigning turns DNSSEC signing of a zone (by id, with or without the
// /hostedzone/ prefix) on or off, as EnableHostedZoneDNSSEC would with an
// active key-signing key.
func (f *Route53Server) SetSigning(id string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	z := f.zone(id)
	if z == nil {
		return fmt.Errorf("no hosted zone %s", id)
	}
	z.signing = on
	return nil
}

// XML shapes, as the API reference names them.

type r53Geo struct {
	ContinentCode   string `xml:"ContinentCode,omitempty"`
	CountryCode     string `xml:"CountryCode,omitempty"`
	SubdivisionCode string `xml:"SubdivisionCode,omitempty"`
}

type r53Alias struct {
	HostedZoneId         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type r53Records struct {
	Records []r53Record `xml:"ResourceRecord"`
}

type r53Record struct {
	Value string `xml:"Value"`
}

func records(vs []string) *r53Records {
	r := &r53Records{}
	for _, v := range vs {
		r.Records = append(r.Records, r53Record{Value: v})
	}
	return r
}

type r53Set struct {
	Name             string      `xml:"Name"`
	Type             string      `xml:"Type"`
	SetIdentifier    string      `xml:"SetIdentifier,omitempty"`
	Weight           *int64      `xml:"Weight,omitempty"`
	Region           string      `xml:"Region,omitempty"`
	GeoLocation      *r53Geo     `xml:"GeoLocation,omitempty"`
	Failover         string      `xml:"Failover,omitempty"`
	MultiValueAnswer *bool       `xml:"MultiValueAnswer,omitempty"`
	TTL              *int64      `xml:"TTL,omitempty"`
	ResourceRecords  *r53Records `xml:"ResourceRecords,omitempty"`
	AliasTarget      *r53Alias   `xml:"AliasTarget,omitempty"`
	HealthCheckId    string      `xml:"HealthCheckId,omitempty"`
}

type r53VPC struct {
	VPCRegion string `xml:"VPCRegion,omitempty"`
	VPCId     string `xml:"VPCId,omitempty"`
}

type r53ZoneXML struct {
	Id              string `xml:"Id"`
	Name            string `xml:"Name"`
	CallerReference string `xml:"CallerReference"`
	Config          struct {
		Comment     string `xml:"Comment,omitempty"`
		PrivateZone bool   `xml:"PrivateZone"`
	} `xml:"Config"`
	ResourceRecordSetCount int `xml:"ResourceRecordSetCount"`
}

type r53ChangeInfo struct {
	Id          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type r53Delegation struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

func (f *Route53Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		r53Error(w, http.StatusForbidden, "MissingAuthenticationToken", "Missing Authentication Token")
		return
	}
	if f.throttle > 0 {
		f.throttle--
		r53Error(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/2013-04-01/")
	if !ok {
		r53Error(w, http.StatusNotFound, "UnknownOperationException", "no operation at "+r.URL.Path)
		return
	}
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	q := r.URL.Query()
	switch {
	case len(parts) == 1 && parts[0] == "hostedzone" && r.Method == http.MethodPost:
		f.createZone(w, r)
	case len(parts) == 1 && parts[0] == "hostedzone" && r.Method == http.MethodGet:
		f.listZones(w, q)
	case len(parts) == 1 && parts[0] == "hostedzonesbyname" && r.Method == http.MethodGet:
		f.listZonesByName(w, q)
	case len(parts) == 2 && parts[0] == "hostedzone" && r.Method == http.MethodGet:
		f.withZone(w, parts[1], f.getZone)
	case len(parts) == 2 && parts[0] == "hostedzone" && r.Method == http.MethodDelete:
		f.withZone(w, parts[1], f.deleteZone)
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset" && r.Method == http.MethodGet:
		f.withZone(w, parts[1], func(w http.ResponseWriter, z *r53Zone) { f.listSets(w, z, q) })
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset" && r.Method == http.MethodPost:
		f.withZone(w, parts[1], func(w http.ResponseWriter, z *r53Zone) { f.changeSets(w, r, z) })
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "dnssec" && r.Method == http.MethodGet:
		f.withZone(w, parts[1], f.getDNSSEC)
	case len(parts) == 2 && parts[0] == "change" && r.Method == http.MethodGet:
		f.getChange(w, parts[1])
	default:
		r53Error(w, http.StatusNotFound, "UnknownOperationException", r.Method+" "+r.URL.Path+" is not an operation of this fake")
	}
}

func r53Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	fmt.Fprintf(w, `<?xml version="1.0"?>`+"\n"+`<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-%d</RequestId></ErrorResponse>`,
		route53NS, typ, code, xmlEscape(msg), time.Now().UnixNano())
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func r53Write(w http.ResponseWriter, status int, root string, body any) {
	out, err := xml.Marshal(body)
	if err != nil {
		r53Error(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	// The root element carries the namespace, as Route 53's answers do.
	s := string(out)
	s = strings.Replace(s, "<"+root+">", `<`+root+` xmlns="`+route53NS+`">`, 1)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+s)
}

func (f *Route53Server) nextID(prefix string) string {
	f.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s%d", prefix, f.seq)))
	return prefix + strings.ToUpper(hex.EncodeToString(sum[:]))[:13]
}

func bareID(id string) string {
	id = strings.TrimPrefix(id, "/hostedzone/")
	id = strings.TrimPrefix(id, "/change/")
	return id
}

func (f *Route53Server) zone(id string) *r53Zone {
	id = bareID(id)
	for _, z := range f.zones {
		if z.id == id {
			return z
		}
	}
	return nil
}

func (f *Route53Server) withZone(w http.ResponseWriter, id string, fn func(http.ResponseWriter, *r53Zone)) {
	z := f.zone(id)
	if z == nil {
		r53Error(w, http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+bareID(id))
		return
	}
	fn(w, z)
}

// normName turns a name as a request gives it (escaped or not, any case,
// with or without the trailing dot) into the fake's form: lower case,
// unescaped, fully qualified.
func normName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	n := strings.ToLower(b.String())
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

// escName renders a name as Route 53 returns it: characters other than
// a-z, 0-9, '-', '_' and '.' as a backslash and three octal digits.
func escName(n string) string {
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "\\%03o", c)
	}
	return b.String()
}

// reversed is the sort key ListResourceRecordSets and
// ListHostedZonesByName order by: the labels reversed.
func reversed(n string) string {
	labels := strings.Split(strings.TrimSuffix(n, "."), ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".")
}

func (z *r53Zone) xml() r53ZoneXML {
	x := r53ZoneXML{Id: "/hostedzone/" + z.id, Name: escName(z.name), CallerReference: z.ref, ResourceRecordSetCount: len(z.sets)}
	x.Config.Comment, x.Config.PrivateZone = z.comment, z.private
	return x
}

func (f *Route53Server) changeInfo(comment string) r53ChangeInfo {
	c := &r53Change{id: f.nextID("C"), status: "PENDING", comment: comment, submitted: time.Now().UTC()}
	f.changes[c.id] = c
	return r53ChangeInfo{Id: "/change/" + c.id, Status: c.status, SubmittedAt: c.submitted.Format(time.RFC3339), Comment: comment}
}

func (f *Route53Server) createZone(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name             string `xml:"Name"`
		CallerReference  string `xml:"CallerReference"`
		HostedZoneConfig *struct {
			Comment     string `xml:"Comment"`
			PrivateZone bool   `xml:"PrivateZone"`
		} `xml:"HostedZoneConfig"`
		VPC *r53VPC `xml:"VPC"`
	}
	if err := xml.NewDecoder(r.Body).Decode(&req); err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "Invalid XML: "+err.Error())
		return
	}
	if req.CallerReference == "" {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "1 validation error detected: Value null at 'callerReference' failed to satisfy constraint: Member must not be null")
		return
	}
	if _, ok := f.refs[req.CallerReference]; ok {
		r53Error(w, http.StatusConflict, "HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference.")
		return
	}
	name := normName(req.Name)
	if _, ok := dns.IsDomainName(name); !ok || name == "." || strings.Count(name, ".") < 2 && len(name) < 3 {
		r53Error(w, http.StatusBadRequest, "InvalidDomainName", req.Name+" is not a valid domain name.")
		return
	}
	z := &r53Zone{id: f.nextID("Z"), name: name, ref: req.CallerReference}
	if c := req.HostedZoneConfig; c != nil {
		z.comment, z.private = c.Comment, c.PrivateZone
	}
	if z.private && (req.VPC == nil || req.VPC.VPCId == "") {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "When you're creating a private hosted zone (when you specify true for PrivateZone), you must also specify values for VPCId and VPCRegion.")
		return
	}
	if !z.private && req.VPC != nil {
		z.private = true // a VPC makes the zone private, as Route 53 does
	}
	if req.VPC != nil {
		z.vpcs = []r53VPC{*req.VPC}
	}
	if z.private {
		z.ns = []string{"ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.", "ns-1024.awsdns-00.org.", "ns-1536.awsdns-00.co.uk."}
	} else {
		n := f.seq % 512
		z.ns = []string{fmt.Sprintf("ns-%d.awsdns-%02d.com.", n, n%64), fmt.Sprintf("ns-%d.awsdns-%02d.net.", 512+n, n%64),
			fmt.Sprintf("ns-%d.awsdns-%02d.org.", 1024+n, n%64), fmt.Sprintf("ns-%d.awsdns-%02d.co.uk.", 1536+n, n%64)}
	}
	soa := int64(900)
	ns := int64(172800)
	z.sets = []r53Set{
		{Name: name, Type: "NS", TTL: &ns, ResourceRecords: records(z.ns)},
		{Name: name, Type: "SOA", TTL: &soa, ResourceRecords: records([]string{z.ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"})},
	}
	f.zones = append(f.zones, z)
	f.refs[req.CallerReference] = z.id
	out := struct {
		XMLName       xml.Name       `xml:"CreateHostedZoneResponse"`
		HostedZone    r53ZoneXML     `xml:"HostedZone"`
		ChangeInfo    r53ChangeInfo  `xml:"ChangeInfo"`
		DelegationSet *r53Delegation `xml:"DelegationSet,omitempty"`
		VPC           *r53VPC        `xml:"VPC,omitempty"`
	}{HostedZone: z.xml(), ChangeInfo: f.changeInfo("")}
	if z.private {
		out.VPC = &z.vpcs[0]
	} else {
		out.DelegationSet = &r53Delegation{NameServers: slices.Clone(z.ns)}
	}
	w.Header().Set("Location", "https://route53.amazonaws.com/2013-04-01/hostedzone/"+z.id)
	r53Write(w, http.StatusCreated, "CreateHostedZoneResponse", out)
}

func maxItems(q url.Values, def int) (int, error) {
	s := q.Get("maxitems")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("invalid maxitems %q", s)
	}
	return min(n, def), nil
}

func (f *Route53Server) listZones(w http.ResponseWriter, q url.Values) {
	limit, err := maxItems(q, route53ListZones)
	if err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", err.Error())
		return
	}
	start := 0
	if m := q.Get("marker"); m != "" {
		start = -1
		for i, z := range f.zones {
			if z.id == bareID(m) {
				start = i
			}
		}
		if start < 0 {
			r53Error(w, http.StatusBadRequest, "InvalidInput", "The marker "+m+" is not a hosted zone of this account.")
			return
		}
	}
	out := struct {
		XMLName     xml.Name     `xml:"ListHostedZonesResponse"`
		HostedZones []r53ZoneXML `xml:"HostedZones>HostedZone"`
		Marker      string       `xml:"Marker"`
		IsTruncated bool         `xml:"IsTruncated"`
		NextMarker  string       `xml:"NextMarker,omitempty"`
		MaxItems    int          `xml:"MaxItems"`
	}{Marker: q.Get("marker"), MaxItems: limit, HostedZones: []r53ZoneXML{}}
	for i := start; i < len(f.zones); i++ {
		if len(out.HostedZones) == limit {
			out.IsTruncated, out.NextMarker = true, f.zones[i].id
			break
		}
		out.HostedZones = append(out.HostedZones, f.zones[i].xml())
	}
	r53Write(w, http.StatusOK, "ListHostedZonesResponse", out)
}

func (f *Route53Server) listZonesByName(w http.ResponseWriter, q url.Values) {
	limit, err := maxItems(q, route53ListZones)
	if err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", err.Error())
		return
	}
	zs := slices.Clone(f.zones)
	sort.SliceStable(zs, func(i, j int) bool {
		if a, b := reversed(zs[i].name), reversed(zs[j].name); a != b {
			return a < b
		}
		return zs[i].id < zs[j].id
	})
	name, id := q.Get("dnsname"), q.Get("hostedzoneid")
	if id != "" && name == "" {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "hostedzoneid requires dnsname")
		return
	}
	start := 0
	if name != "" {
		key := reversed(normName(name))
		start = len(zs)
		for i, z := range zs {
			if r := reversed(z.name); r > key || r == key && (id == "" || z.id >= bareID(id)) {
				start = i
				break
			}
		}
	}
	out := struct {
		XMLName          xml.Name     `xml:"ListHostedZonesByNameResponse"`
		HostedZones      []r53ZoneXML `xml:"HostedZones>HostedZone"`
		DNSName          string       `xml:"DNSName,omitempty"`
		HostedZoneId     string       `xml:"HostedZoneId,omitempty"`
		IsTruncated      bool         `xml:"IsTruncated"`
		NextDNSName      string       `xml:"NextDNSName,omitempty"`
		NextHostedZoneId string       `xml:"NextHostedZoneId,omitempty"`
		MaxItems         int          `xml:"MaxItems"`
	}{DNSName: name, HostedZoneId: id, MaxItems: limit, HostedZones: []r53ZoneXML{}}
	for i := start; i < len(zs); i++ {
		if len(out.HostedZones) == limit {
			out.IsTruncated, out.NextDNSName, out.NextHostedZoneId = true, escName(zs[i].name), zs[i].id
			break
		}
		out.HostedZones = append(out.HostedZones, zs[i].xml())
	}
	r53Write(w, http.StatusOK, "ListHostedZonesByNameResponse", out)
}

func (f *Route53Server) getZone(w http.ResponseWriter, z *r53Zone) {
	out := struct {
		XMLName       xml.Name       `xml:"GetHostedZoneResponse"`
		HostedZone    r53ZoneXML     `xml:"HostedZone"`
		DelegationSet *r53Delegation `xml:"DelegationSet,omitempty"`
		VPCs          []r53VPC       `xml:"VPCs>VPC,omitempty"`
	}{HostedZone: z.xml(), VPCs: z.vpcs}
	if !z.private {
		out.DelegationSet = &r53Delegation{NameServers: slices.Clone(z.ns)}
	}
	r53Write(w, http.StatusOK, "GetHostedZoneResponse", out)
}

func (f *Route53Server) deleteZone(w http.ResponseWriter, z *r53Zone) {
	for _, s := range z.sets {
		if !(s.Name == z.name && (s.Type == "SOA" || s.Type == "NS")) {
			r53Error(w, http.StatusBadRequest, "HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets  and so cannot be deleted.")
			return
		}
	}
	f.zones = slices.DeleteFunc(f.zones, func(x *r53Zone) bool { return x == z })
	r53Write(w, http.StatusOK, "DeleteHostedZoneResponse", struct {
		XMLName    xml.Name      `xml:"DeleteHostedZoneResponse"`
		ChangeInfo r53ChangeInfo `xml:"ChangeInfo"`
	}{ChangeInfo: f.changeInfo("")})
}

func (f *Route53Server) getChange(w http.ResponseWriter, id string) {
	c, ok := f.changes[bareID(id)]
	if !ok {
		r53Error(w, http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist.")
		return
	}
	c.polls++
	if c.polls > f.pending {
		c.status = "INSYNC"
	}
	r53Write(w, http.StatusOK, "GetChangeResponse", struct {
		XMLName    xml.Name      `xml:"GetChangeResponse"`
		ChangeInfo r53ChangeInfo `xml:"ChangeInfo"`
	}{ChangeInfo: r53ChangeInfo{Id: "/change/" + c.id, Status: c.status, SubmittedAt: c.submitted.Format(time.RFC3339), Comment: c.comment}})
}

func (f *Route53Server) getDNSSEC(w http.ResponseWriter, z *r53Zone) {
	if z.private {
		r53Error(w, http.StatusBadRequest, "InvalidArgument", "DNSSEC is not supported for private hosted zones.")
		return
	}
	type ksk struct {
		Name                      string `xml:"Name"`
		Flag                      int    `xml:"Flag"`
		SigningAlgorithmMnemonic  string `xml:"SigningAlgorithmMnemonic"`
		SigningAlgorithmType      int    `xml:"SigningAlgorithmType"`
		DigestAlgorithmMnemonic   string `xml:"DigestAlgorithmMnemonic"`
		DigestAlgorithmType       int    `xml:"DigestAlgorithmType"`
		KeyTag                    int    `xml:"KeyTag"`
		DigestValue               string `xml:"DigestValue"`
		DSRecord                  string `xml:"DSRecord"`
		Status                    string `xml:"Status"`
		KmsArn                    string `xml:"KmsArn"`
		DNSKEYRecord              string `xml:"DNSKEYRecord,omitempty"`
		PublicKey                 string `xml:"PublicKey,omitempty"`
		StatusMessage             string `xml:"StatusMessage,omitempty"`
		CreatedDate, LastModified string `xml:"-"`
	}
	out := struct {
		XMLName xml.Name `xml:"GetDNSSECResponse"`
		Status  struct {
			ServeSignature string `xml:"ServeSignature"`
			StatusMessage  string `xml:"StatusMessage,omitempty"`
		} `xml:"Status"`
		KeySigningKeys []ksk `xml:"KeySigningKeys>member"`
	}{}
	out.Status.ServeSignature = "NOT_SIGNING"
	if z.signing {
		out.Status.ServeSignature = "SIGNING"
		sum := sha256.Sum256([]byte(z.id))
		digest := strings.ToUpper(hex.EncodeToString(sum[:]))
		out.KeySigningKeys = []ksk{{Name: "rehome-ksk", Flag: 257, SigningAlgorithmMnemonic: "ECDSAP256SHA256", SigningAlgorithmType: 13,
			DigestAlgorithmMnemonic: "SHA-256", DigestAlgorithmType: 2, KeyTag: 12345, DigestValue: digest,
			DSRecord: "12345 13 2 " + digest, Status: "ACTIVE", KmsArn: "arn:aws:kms:us-east-1:123456789012:key/rehome"}}
	}
	r53Write(w, http.StatusOK, "GetDNSSECResponse", out)
}

func (s r53Set) key() string { return s.Name + " " + s.Type + " " + s.SetIdentifier }

func (s r53Set) label() string {
	if s.SetIdentifier != "" {
		return fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", escName(s.Name), s.Type, s.SetIdentifier)
	}
	return fmt.Sprintf("[name='%s', type='%s']", escName(s.Name), s.Type)
}

func (s r53Set) values() []string {
	if s.ResourceRecords == nil {
		return nil
	}
	out := make([]string, len(s.ResourceRecords.Records))
	for i, r := range s.ResourceRecords.Records {
		out[i] = r.Value
	}
	return out
}

// equal is how DELETE compares the given set with the zone's: every
// field, values in any order.
func (s r53Set) equal(o r53Set) bool {
	i64 := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	b := func(p *bool) bool { return p != nil && *p }
	a1, a2 := slices.Sorted(slices.Values(s.values())), slices.Sorted(slices.Values(o.values()))
	return s.key() == o.key() && i64(s.Weight) == i64(o.Weight) && s.Region == o.Region && s.Failover == o.Failover &&
		b(s.MultiValueAnswer) == b(o.MultiValueAnswer) && i64(s.TTL) == i64(o.TTL) && slices.Equal(a1, a2) &&
		s.HealthCheckId == o.HealthCheckId && ((s.GeoLocation == nil) == (o.GeoLocation == nil)) &&
		(s.GeoLocation == nil || *s.GeoLocation == *o.GeoLocation) &&
		((s.AliasTarget == nil) == (o.AliasTarget == nil)) &&
		(s.AliasTarget == nil || strings.EqualFold(s.AliasTarget.HostedZoneId, o.AliasTarget.HostedZoneId) &&
			normName(s.AliasTarget.DNSName) == normName(o.AliasTarget.DNSName) && s.AliasTarget.EvaluateTargetHealth == o.AliasTarget.EvaluateTargetHealth)
}

// validSet checks one set of a change as Route 53 does before it looks at
// the zone: an InvalidInput message, or a change batch message.
func validSet(z *r53Zone, s r53Set) (input, batch string) {
	if !slices.Contains(route53Types, s.Type) {
		return fmt.Sprintf("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration.", s.Type), ""
	}
	policies := 0
	if s.Weight != nil {
		policies++
	}
	if s.Region != "" {
		policies++
	}
	if s.GeoLocation != nil {
		policies++
	}
	if s.Failover != "" {
		policies++
	}
	if s.MultiValueAnswer != nil {
		policies++
	}
	switch {
	case s.SetIdentifier != "" && policies != 1:
		return "Invalid request: a resource record set with a SetIdentifier needs exactly one routing policy " + s.label(), ""
	case s.SetIdentifier == "" && policies > 0:
		return "Invalid request: missing field 'SetIdentifier' in Change with " + s.label(), ""
	case s.AliasTarget != nil && (s.TTL != nil || s.ResourceRecords != nil):
		return "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with " + s.label(), ""
	case s.AliasTarget == nil && (s.TTL == nil || s.ResourceRecords == nil || len(s.ResourceRecords.Records) == 0):
		return "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with " + s.label(), ""
	case s.Failover != "" && s.Failover != "PRIMARY" && s.Failover != "SECONDARY":
		return "Invalid XML ; cvc-enumeration-valid: Value '" + s.Failover + "' is not facet-valid with respect to enumeration '[PRIMARY, SECONDARY]'.", ""
	case s.Weight != nil && (*s.Weight < 0 || *s.Weight > 255):
		return "Invalid request: Weight must be between 0 and 255", ""
	case s.TTL != nil && (*s.TTL < 0 || *s.TTL > 2147483647):
		return "Invalid request: TTL must be between 0 and 2147483647", ""
	}
	if !dns.IsSubDomain(z.name, s.Name) {
		return "", fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", escName(s.Name), escName(z.name))
	}
	if s.AliasTarget != nil && s.AliasTarget.HostedZoneId == "" {
		return "Invalid request: AliasTarget needs a HostedZoneId in Change with " + s.label(), ""
	}
	for _, v := range s.values() {
		if _, err := dns.NewRR(fmt.Sprintf("$ORIGIN .\n%s 300 IN %s %s", dns.Fqdn(s.Name), s.Type, v)); err != nil || strings.TrimSpace(v) == "" {
			return "", fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s RDATA is not valid (Value is %q) encountered with '%s'", s.Type, v, v)
		}
	}
	if s.Type == "CNAME" && len(s.values()) > 1 {
		return "", "RRSet of type CNAME with DNS name " + escName(s.Name) + " has more than one resource record"
	}
	return "", ""
}

func (f *Route53Server) changeSets(w http.ResponseWriter, r *http.Request, z *r53Zone) {
	if f.throttleChanges > 0 {
		f.throttleChanges--
		r53Error(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", err.Error())
		return
	}
	var req struct {
		ChangeBatch struct {
			Comment string `xml:"Comment"`
			Changes []struct {
				Action            string `xml:"Action"`
				ResourceRecordSet r53Set `xml:"ResourceRecordSet"`
			} `xml:"Changes>Change"`
		} `xml:"ChangeBatch"`
	}
	if err := xml.Unmarshal(body, &req); err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "Invalid XML: "+err.Error())
		return
	}
	changes := req.ChangeBatch.Changes
	if len(changes) == 0 {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1")
		return
	}
	recs, chars := 0, 0
	for i := range changes {
		s := &changes[i].ResourceRecordSet
		s.Name = normName(s.Name)
		if s.AliasTarget != nil {
			s.AliasTarget.DNSName = normName(s.AliasTarget.DNSName)
			s.AliasTarget.HostedZoneId = bareID(s.AliasTarget.HostedZoneId)
		}
		n := 1
		if changes[i].Action == "UPSERT" {
			n = 2
		}
		recs += n * len(s.values())
		for _, v := range s.values() {
			chars += n * len(v)
		}
	}
	if recs > Route53MaxRecs {
		r53InvalidBatch(w, []string{fmt.Sprintf("Number of records limit of %d exceeded.", Route53MaxRecs)})
		return
	}
	if chars > Route53MaxChars {
		r53InvalidBatch(w, []string{fmt.Sprintf("Number of characters in value limit of %d exceeded.", Route53MaxChars)})
		return
	}
	next := slices.Clone(z.sets)
	find := func(s r53Set) int {
		return slices.IndexFunc(next, func(x r53Set) bool { return x.key() == s.key() })
	}
	var msgs []string
	for _, c := range changes {
		s := c.ResourceRecordSet
		if in, batch := validSet(z, s); in != "" {
			r53Error(w, http.StatusBadRequest, "InvalidInput", in)
			return
		} else if batch != "" {
			msgs = append(msgs, batch)
			continue
		}
		i := find(s)
		switch c.Action {
		case "CREATE":
			if i >= 0 {
				msgs = append(msgs, fmt.Sprintf("Tried to create resource record set %s but it already exists", s.label()))
				continue
			}
			next = append(next, s)
		case "DELETE":
			switch {
			case i < 0:
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set %s but it was not found", s.label()))
			case !next[i].equal(s):
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", s.label()))
			default:
				next = slices.Delete(next, i, i+1)
			}
		case "UPSERT":
			if i >= 0 {
				next[i] = s
			} else {
				next = append(next, s)
			}
		default:
			r53Error(w, http.StatusBadRequest, "InvalidInput", "Invalid XML ; cvc-enumeration-valid: Value '"+c.Action+"' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'.")
			return
		}
	}
	msgs = append(msgs, zoneRules(z, next)...)
	if len(msgs) > 0 {
		r53InvalidBatch(w, msgs)
		return
	}
	z.sets = next
	f.batches++
	r53Write(w, http.StatusOK, "ChangeResourceRecordSetsResponse", struct {
		XMLName    xml.Name      `xml:"ChangeResourceRecordSetsResponse"`
		ChangeInfo r53ChangeInfo `xml:"ChangeInfo"`
	}{ChangeInfo: f.changeInfo(req.ChangeBatch.Comment)})
}

// zoneRules are the rules the zone must satisfy after a batch.
func zoneRules(z *r53Zone, sets []r53Set) []string {
	var msgs []string
	soa, ns := 0, 0
	byName := map[string][]r53Set{}
	for _, s := range sets {
		byName[s.Name] = append(byName[s.Name], s)
		if s.Name == z.name && s.Type == "SOA" {
			soa++
		}
		if s.Name == z.name && s.Type == "NS" {
			ns++
		}
	}
	if soa != 1 {
		msgs = append(msgs, "A HostedZone must contain exactly one SOA record.")
	}
	if ns == 0 {
		msgs = append(msgs, "A HostedZone must contain at least one NS record for the zone itself.")
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range byName {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		group := byName[n]
		types := map[string][2]int{} // simple, with set identifier
		for _, s := range group {
			t := types[s.Type]
			if s.SetIdentifier == "" {
				t[0]++
			} else {
				t[1]++
			}
			types[s.Type] = t
		}
		for t, c := range types {
			if c[0] > 0 && c[1] > 0 {
				msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s, type %s cannot be created because a non-weighted (simple) set and sets with a SetIdentifier cannot share a name and type", escName(n), t))
			}
		}
		if _, ok := types["CNAME"]; ok {
			if n == z.name {
				msgs = append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", escName(n), escName(z.name)))
			} else if len(types) > 1 {
				msgs = append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", escName(n), escName(z.name)))
			}
		}
	}
	// An alias into the same zone needs its target there.
	for _, s := range sets {
		if a := s.AliasTarget; a != nil && a.HostedZoneId == z.id {
			ok := slices.ContainsFunc(sets, func(t r53Set) bool { return t.Name == a.DNSName && t.Type == s.Type })
			if !ok {
				msgs = append(msgs, fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", escName(a.DNSName), s.Type, z.id))
			}
		}
	}
	return msgs
}

func r53InvalidBatch(w http.ResponseWriter, msgs []string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("<Message>" + xmlEscape(m) + "</Message>")
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<InvalidChangeBatch xmlns="%s"><Messages>%s</Messages><RequestId>req-%d</RequestId></InvalidChangeBatch>`,
		route53NS, b.String(), time.Now().UnixNano())
}

func (f *Route53Server) listSets(w http.ResponseWriter, z *r53Zone, q url.Values) {
	limit, err := maxItems(q, route53ListSets)
	if err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", err.Error())
		return
	}
	name, typ, ident := q.Get("name"), q.Get("type"), q.Get("identifier")
	if typ != "" && name == "" {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "The input is not valid: if you specify type, you must also specify name")
		return
	}
	if ident != "" && typ == "" {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "The input is not valid: if you specify identifier, you must also specify type")
		return
	}
	sets := slices.Clone(z.sets)
	less := func(a, b r53Set) int {
		if c := strings.Compare(reversed(a.Name), reversed(b.Name)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.SetIdentifier, b.SetIdentifier)
	}
	slices.SortFunc(sets, less)
	start := 0
	if name != "" {
		from := r53Set{Name: normName(name), Type: typ, SetIdentifier: ident}
		start = len(sets)
		for i, s := range sets {
			c := strings.Compare(reversed(s.Name), reversed(from.Name))
			if c == 0 && typ != "" {
				c = strings.Compare(s.Type, typ)
				if c == 0 {
					c = strings.Compare(s.SetIdentifier, ident)
				}
			}
			if c >= 0 {
				start = i
				break
			}
		}
	}
	out := struct {
		XMLName              xml.Name `xml:"ListResourceRecordSetsResponse"`
		ResourceRecordSets   []r53Set `xml:"ResourceRecordSets>ResourceRecordSet"`
		IsTruncated          bool     `xml:"IsTruncated"`
		NextRecordName       string   `xml:"NextRecordName,omitempty"`
		NextRecordType       string   `xml:"NextRecordType,omitempty"`
		NextRecordIdentifier string   `xml:"NextRecordIdentifier,omitempty"`
		MaxItems             int      `xml:"MaxItems"`
	}{MaxItems: limit, ResourceRecordSets: []r53Set{}}
	for i := start; i < len(sets); i++ {
		s := sets[i]
		if len(out.ResourceRecordSets) == limit {
			out.IsTruncated, out.NextRecordName, out.NextRecordType, out.NextRecordIdentifier = true, escName(s.Name), s.Type, s.SetIdentifier
			break
		}
		s.Name = escName(s.Name)
		if s.AliasTarget != nil {
			a := *s.AliasTarget
			a.DNSName = escName(a.DNSName)
			s.AliasTarget = &a
		}
		out.ResourceRecordSets = append(out.ResourceRecordSets, s)
	}
	r53Write(w, http.StatusOK, "ListResourceRecordSetsResponse", out)
}
