package awsfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// IAMRole is one role of the IAM fake.
type IAMRole struct {
	Name, Path, Description string
	// AssumeRolePolicy is the trust policy document (JSON).
	AssumeRolePolicy string
}

// IAMInstanceProfile is an instance profile holding roles.
type IAMInstanceProfile struct {
	Name  string
	Roles []string
}

// IAM is a stateful fake of the IAM API for discovery (the AWS Query
// protocol, Version=2010-05-08): GetRole and GetInstanceProfile, with
// NoSuchEntity (HTTP 404) for a name that does not exist and
// ValidationError for a missing one. The policy document is URL-encoded
// in the answer, as IAM returns it.
type IAM struct {
	fakeBase
	Account  string
	roles    map[string]IAMRole
	profiles map[string]IAMInstanceProfile
}

// NewIAM returns an empty fake.
func NewIAM(account string) *IAM {
	return &IAM{Account: account, roles: map[string]IAMRole{}, profiles: map[string]IAMInstanceProfile{}}
}

// AddRole adds roles.
func (f *IAM) AddRole(rs ...IAMRole) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range rs {
		if r.Path == "" {
			r.Path = "/"
		}
		f.roles[r.Name] = r
	}
}

// AddInstanceProfile adds instance profiles.
func (f *IAM) AddInstanceProfile(ps ...IAMInstanceProfile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range ps {
		f.profiles[p.Name] = p
	}
}

// RoleARN is the ARN of a role.
func (f *IAM) RoleARN(r IAMRole) string {
	return fmt.Sprintf("arn:aws:iam::%s:role%s%s", f.Account, r.Path, r.Name)
}

const iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"

func (f *IAM) roleXML(r IAMRole) string {
	return fmt.Sprintf("<Path>%s</Path><RoleName>%s</RoleName><RoleId>AROA%X</RoleId><Arn>%s</Arn><CreateDate>2025-01-01T00:00:00Z</CreateDate>%s%s<MaxSessionDuration>3600</MaxSessionDuration>",
		r.Path, r.Name, len(r.Name)*65521, f.RoleARN(r), tag("AssumeRolePolicyDocument", url.QueryEscape(r.AssumeRolePolicy)), tag("Description", r.Description))
}

func (f *IAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := queryError(iamNS, &f.ids)
	q, ok := parseQuery(w, r, fail)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count(q.action)
	var body string
	switch q.action {
	case "GetRole":
		name := q.get("RoleName")
		if name == "" {
			fail(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null")
			return
		}
		role, ok := f.roles[name]
		if !ok {
			fail(w, http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The role with name %s cannot be found.", name))
			return
		}
		body = "<GetRoleResult><Role>" + f.roleXML(role) + "</Role></GetRoleResult>"
	case "GetInstanceProfile":
		name := q.get("InstanceProfileName")
		p, ok := f.profiles[name]
		if !ok {
			fail(w, http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("Instance Profile %s cannot be found.", name))
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<GetInstanceProfileResult><InstanceProfile><Path>/</Path><InstanceProfileName>%s</InstanceProfileName><InstanceProfileId>AIPA%X</InstanceProfileId><Arn>arn:aws:iam::%s:instance-profile/%s</Arn><CreateDate>2025-01-01T00:00:00Z</CreateDate><Roles>",
			p.Name, len(p.Name)*65521, f.Account, p.Name)
		for _, rn := range p.Roles {
			if role, ok := f.roles[rn]; ok {
				b.WriteString("<member>" + f.roleXML(role) + "</member>")
			}
		}
		b.WriteString("</Roles></InstanceProfile></GetInstanceProfileResult>")
		body = b.String()
	default:
		fail(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2010-05-08", q.action))
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		q.action, iamNS, body, f.ids.next(), q.action)
}
