package awsfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ELBv2LoadBalancer is one load balancer of the ELBv2 fake.
type ELBv2LoadBalancer struct {
	Name    string
	Type    string // application, network, gateway
	Scheme  string // internet-facing, internal
	DNSName string
	State   string // active, provisioning, failed
	VPC     string
	// SecurityGroups (application load balancers).
	SecurityGroups []string
}

// ELBv2TargetGroup is one target group; Targets are instance ids (or IPs).
type ELBv2TargetGroup struct {
	Name, Protocol, TargetType string
	Port                       int
	LoadBalancers              []string // names of its load balancers
	Targets                    []string
}

// ELBv2 is a stateful fake of Elastic Load Balancing v2 for discovery
// (the AWS Query protocol, Version=2015-12-01, lists as <member>):
// DescribeLoadBalancers (PageSize 1-400, Marker; Names.member.N selects,
// LoadBalancerNotFound otherwise), DescribeTargetGroups (LoadBalancerArn
// filters, PageSize and Marker) and DescribeTargetHealth
// (TargetGroupNotFound for an unknown ARN). ARNs are made up from the
// account, region and names as AWS shapes them.
type ELBv2 struct {
	fakeBase
	Account   string
	Region    string
	PageLimit int
	lbs       []ELBv2LoadBalancer
	tgs       []ELBv2TargetGroup
}

// NewELBv2 returns an empty fake.
func NewELBv2(account, region string) *ELBv2 {
	return &ELBv2{Account: account, Region: region}
}

// AddLoadBalancer adds load balancers.
func (f *ELBv2) AddLoadBalancer(lbs ...ELBv2LoadBalancer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lbs = append(f.lbs, lbs...)
}

// AddTargetGroup adds target groups.
func (f *ELBv2) AddTargetGroup(tgs ...ELBv2TargetGroup) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tgs = append(f.tgs, tgs...)
}

// LoadBalancerARN is the ARN the fake gives a load balancer.
func (f *ELBv2) LoadBalancerARN(lb ELBv2LoadBalancer) string {
	kind := map[string]string{"application": "app", "network": "net", "gateway": "gwy"}[lb.Type]
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%016x", f.Region, f.Account, kind, lb.Name, len(lb.Name)*7919)
}

func (f *ELBv2) targetGroupARN(tg ELBv2TargetGroup) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%016x", f.Region, f.Account, tg.Name, len(tg.Name)*104729)
}

const elbNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

func (f *ELBv2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := queryError(elbNS, &f.ids)
	q, ok := parseQuery(w, r, fail)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count(q.action)
	var body string
	var status int
	var code, msg string
	switch q.action {
	case "DescribeLoadBalancers":
		body, status, code, msg = f.describeLoadBalancers(q)
	case "DescribeTargetGroups":
		body, status, code, msg = f.describeTargetGroups(q)
	case "DescribeTargetHealth":
		body, status, code, msg = f.describeTargetHealth(q)
	default:
		status, code, msg = http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2015-12-01", q.action)
	}
	if code != "" {
		fail(w, status, code, msg)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		q.action, elbNS, q.action, body, q.action, f.ids.next(), q.action)
}

// elbPage reads PageSize (1-400) and Marker.
func (f *ELBv2) elbPage(q queryRequest, n int) (from, to int, next string, status int, code, msg string) {
	size := 400
	if m := q.get("PageSize"); m != "" {
		v, err := strconv.Atoi(m)
		if err != nil || v < 1 || v > 400 {
			return 0, 0, "", http.StatusBadRequest, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%s' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", m)
		}
		size = v
	}
	if f.PageLimit > 0 && f.PageLimit < size {
		size = f.PageLimit
	}
	from, to, next, err := queryPage(n, q.get("Marker"), size)
	if err != nil {
		return 0, 0, "", http.StatusBadRequest, "ValidationError", "Invalid marker"
	}
	return from, to, tag("NextMarker", next), 0, "", ""
}

func (f *ELBv2) describeLoadBalancers(q queryRequest) (string, int, string, string) {
	list := f.lbs
	if names := q.list("Names.member"); len(names) > 0 {
		list = nil
		for _, n := range names {
			found := false
			for _, lb := range f.lbs {
				if lb.Name == n {
					list, found = append(list, lb), true
				}
			}
			if !found {
				return "", http.StatusBadRequest, "LoadBalancerNotFound", fmt.Sprintf("Load balancers '[%s]' not found", n)
			}
		}
	}
	from, to, next, status, code, msg := f.elbPage(q, len(list))
	if code != "" {
		return "", status, code, msg
	}
	var b strings.Builder
	b.WriteString("<LoadBalancers>")
	for _, lb := range list[from:to] {
		fmt.Fprintf(&b, "<member><LoadBalancerArn>%s</LoadBalancerArn><DNSName>%s</DNSName><CanonicalHostedZoneId>Z215JYRZR1TBD5</CanonicalHostedZoneId><CreatedTime>2025-01-01T00:00:00.000Z</CreatedTime><LoadBalancerName>%s</LoadBalancerName><Scheme>%s</Scheme>%s<State><Code>%s</Code></State><Type>%s</Type><IpAddressType>ipv4</IpAddressType><SecurityGroups>",
			f.LoadBalancerARN(lb), lb.DNSName, lb.Name, lb.Scheme, tag("VpcId", lb.VPC), lb.State, lb.Type)
		for _, g := range lb.SecurityGroups {
			b.WriteString("<member>" + g + "</member>")
		}
		b.WriteString("</SecurityGroups></member>")
	}
	b.WriteString("</LoadBalancers>" + next)
	return b.String(), 0, "", ""
}

func (f *ELBv2) describeTargetGroups(q queryRequest) (string, int, string, string) {
	lbArn := q.get("LoadBalancerArn")
	var list []ELBv2TargetGroup
	for _, tg := range f.tgs {
		if lbArn == "" {
			list = append(list, tg)
			continue
		}
		for _, n := range tg.LoadBalancers {
			for _, lb := range f.lbs {
				if lb.Name == n && f.LoadBalancerARN(lb) == lbArn {
					list = append(list, tg)
				}
			}
		}
	}
	if lbArn != "" {
		known := false
		for _, lb := range f.lbs {
			known = known || f.LoadBalancerARN(lb) == lbArn
		}
		if !known {
			return "", http.StatusBadRequest, "LoadBalancerNotFound", fmt.Sprintf("Load balancer '%s' not found", lbArn)
		}
	}
	from, to, next, status, code, msg := f.elbPage(q, len(list))
	if code != "" {
		return "", status, code, msg
	}
	var b strings.Builder
	b.WriteString("<TargetGroups>")
	for _, tg := range list[from:to] {
		fmt.Fprintf(&b, "<member><TargetGroupArn>%s</TargetGroupArn><TargetGroupName>%s</TargetGroupName><Protocol>%s</Protocol><Port>%d</Port><TargetType>%s</TargetType><LoadBalancerArns>",
			f.targetGroupARN(tg), tg.Name, tg.Protocol, tg.Port, tg.TargetType)
		for _, n := range tg.LoadBalancers {
			for _, lb := range f.lbs {
				if lb.Name == n {
					b.WriteString("<member>" + f.LoadBalancerARN(lb) + "</member>")
				}
			}
		}
		b.WriteString("</LoadBalancerArns></member>")
	}
	b.WriteString("</TargetGroups>" + next)
	return b.String(), 0, "", ""
}

func (f *ELBv2) describeTargetHealth(q queryRequest) (string, int, string, string) {
	arn := q.get("TargetGroupArn")
	for _, tg := range f.tgs {
		if f.targetGroupARN(tg) != arn {
			continue
		}
		var b strings.Builder
		b.WriteString("<TargetHealthDescriptions>")
		for _, t := range tg.Targets {
			fmt.Fprintf(&b, "<member><Target><Id>%s</Id><Port>%d</Port></Target><HealthCheckPort>%d</HealthCheckPort><TargetHealth><State>healthy</State></TargetHealth></member>", t, tg.Port, tg.Port)
		}
		b.WriteString("</TargetHealthDescriptions>")
		return b.String(), 0, "", ""
	}
	return "", http.StatusBadRequest, "TargetGroupNotFound", fmt.Sprintf("Target groups '%s' not found", arn)
}
