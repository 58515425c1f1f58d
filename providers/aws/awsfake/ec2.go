package awsfake

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// EC2Instance is one instance of the EC2 fake.
type EC2Instance struct {
	ID, Type string
	// State is pending, running, stopping, stopped, shutting-down or
	// terminated.
	State               string
	Arch                string // x86_64, arm64
	PrivateIP, PublicIP string
	AZ                  string
	InstanceProfileArn  string
	Name                string // the Name tag
	SecurityGroups      []string
	SecurityGroupNames  []string
	ReservationID, VPC  string
}

// EC2InstanceType is one row of DescribeInstanceTypes.
type EC2InstanceType struct {
	Name      string
	VCPUs     int
	MemoryMiB int
	Archs     []string
}

// EC2Volume is one EBS volume.
type EC2Volume struct {
	ID, Type, AZ, State, Name string // State: creating, available, in-use, ...
	SizeGiB, IOPS             int
	Attached                  []string // instance ids
}

// EC2Address is one Elastic IP.
type EC2Address struct {
	AllocationID, PublicIP, InstanceID, AssociationID string
}

// EC2SecurityGroup is one security group; Sources are the groups its
// inbound rules allow traffic from.
type EC2SecurityGroup struct {
	ID, Name, Description, VPC string
	Sources                    []string
	CIDRs                      []string
}

// EC2 is a stateful fake of the EC2 API for discovery (the EC2 Query
// protocol: a form POST with Action and Version=2016-11-15, XML answers
// whose lists are <item> elements): DescribeInstances (reservations,
// MaxResults 5-1000 and NextToken), DescribeInstanceTypes (InstanceType.N,
// MaxResults 5-100), DescribeVolumes (MaxResults 5-500), DescribeAddresses
// (no paging, as the API), DescribeSecurityGroups (MaxResults 5-1000).
// PageLimit caps every page further, to make clients follow several.
// Errors are EC2's <Response><Errors><Error> document: InvalidAction,
// InvalidParameterValue (a MaxResults out of range), InvalidInstanceType,
// InvalidNextToken, AuthFailure (unsigned).
type EC2 struct {
	fakeBase
	Owner     string
	PageLimit int
	instances []EC2Instance
	types     map[string]EC2InstanceType
	volumes   []EC2Volume
	addresses []EC2Address
	groups    []EC2SecurityGroup
	// FailAction, when set, answers that action with an
	// InternalError (HTTP 500), for error paths.
	FailAction string
}

// NewEC2 returns an empty fake for the account owner.
func NewEC2(owner string) *EC2 {
	return &EC2{Owner: owner, types: map[string]EC2InstanceType{}}
}

// AddInstance adds instances.
func (f *EC2) AddInstance(is ...EC2Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, i := range is {
		if i.ReservationID == "" {
			i.ReservationID = "r-" + strings.TrimPrefix(i.ID, "i-")
		}
		f.instances = append(f.instances, i)
	}
}

// AddInstanceType adds rows of the instance type catalog.
func (f *EC2) AddInstanceType(ts ...EC2InstanceType) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range ts {
		f.types[t.Name] = t
	}
}

// AddVolume adds EBS volumes.
func (f *EC2) AddVolume(vs ...EC2Volume) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.volumes = append(f.volumes, vs...)
}

// AddAddress adds Elastic IPs.
func (f *EC2) AddAddress(as ...EC2Address) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addresses = append(f.addresses, as...)
}

// AddSecurityGroup adds security groups.
func (f *EC2) AddSecurityGroup(gs ...EC2SecurityGroup) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = append(f.groups, gs...)
}

const ec2NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

func (f *EC2) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
		code, xmlEscape(msg), f.ids.next())
}

func (f *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q, ok := parseQuery(w, r, func(w http.ResponseWriter, status int, code, msg string) {
		if code == "MissingAuthenticationToken" {
			status, code = http.StatusUnauthorized, "AuthFailure"
		}
		f.fail(w, status, code, msg)
	})
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count(q.action)
	if q.action == f.FailAction {
		f.fail(w, http.StatusInternalServerError, "InternalError", "An internal error has occurred")
		return
	}
	var body string
	var err *ec2Err
	switch q.action {
	case "DescribeInstances":
		body, err = f.describeInstances(q)
	case "DescribeInstanceTypes":
		body, err = f.describeInstanceTypes(q)
	case "DescribeVolumes":
		body, err = f.describeVolumes(q)
	case "DescribeAddresses":
		body = f.describeAddresses()
	case "DescribeSecurityGroups":
		body, err = f.describeSecurityGroups(q)
	default:
		err = &ec2Err{"InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", q.action)}
	}
	if err != nil {
		f.fail(w, http.StatusBadRequest, err.code, err.msg)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<%sResponse xmlns="%s"><requestId>%s</requestId>%s</%sResponse>`,
		q.action, ec2NS, f.ids.next(), body, q.action)
}

type ec2Err struct{ code, msg string }

// ec2Page reads MaxResults (lo..hi) and NextToken and cuts n items.
func (f *EC2) ec2Page(q queryRequest, n, lo, hi int) (from, to int, next string, e *ec2Err) {
	size := hi
	if m := q.get("MaxResults"); m != "" {
		var v int
		if _, err := fmt.Sscanf(m, "%d", &v); err != nil || v < lo || v > hi {
			return 0, 0, "", &ec2Err{"InvalidParameterValue",
				fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting a value between %d and %d.", m, lo, hi)}
		}
		size = v
	}
	if f.PageLimit > 0 && f.PageLimit < size {
		size = f.PageLimit
	}
	from, to, next, err := queryPage(n, q.get("NextToken"), size)
	if err != nil {
		return 0, 0, "", &ec2Err{"InvalidNextToken", "The specified token is invalid"}
	}
	if next != "" {
		next = "<nextToken>" + next + "</nextToken>"
	}
	return from, to, next, nil
}

func tag(name, v string) string {
	if v == "" {
		return ""
	}
	return "<" + name + ">" + xmlEscape(v) + "</" + name + ">"
}

func nameTags(name string) string {
	if name == "" {
		return ""
	}
	return "<tagSet><item><key>Name</key><value>" + xmlEscape(name) + "</value></item></tagSet>"
}

var ec2StateCodes = map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

func (f *EC2) describeInstances(q queryRequest) (string, *ec2Err) {
	ids := q.list("InstanceId")
	if len(ids) > 0 && q.get("MaxResults") != "" {
		return "", &ec2Err{"InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults"}
	}
	var list []EC2Instance
	for _, i := range f.instances {
		if len(ids) == 0 || contains(ids, i.ID) {
			list = append(list, i)
		}
	}
	for _, id := range ids {
		found := false
		for _, i := range list {
			found = found || i.ID == id
		}
		if !found {
			return "", &ec2Err{"InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", id)}
		}
	}
	from, to, next, err := f.ec2Page(q, len(list), 5, 1000)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("<reservationSet>")
	for k := from; k < to; {
		res := list[k].ReservationID
		fmt.Fprintf(&b, "<item><reservationId>%s</reservationId><ownerId>%s</ownerId><groupSet/><instancesSet>", res, f.Owner)
		for ; k < to && list[k].ReservationID == res; k++ {
			i := list[k]
			fmt.Fprintf(&b, "<item><instanceId>%s</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>%d</code><name>%s</name></instanceState>",
				i.ID, ec2StateCodes[i.State], i.State)
			b.WriteString(tag("privateIpAddress", i.PrivateIP) + tag("ipAddress", i.PublicIP) + tag("instanceType", i.Type))
			fmt.Fprintf(&b, "<placement><availabilityZone>%s</availabilityZone><tenancy>default</tenancy></placement>", i.AZ)
			b.WriteString(tag("vpcId", i.VPC) + tag("architecture", i.Arch))
			b.WriteString("<groupSet>")
			for n, g := range i.SecurityGroups {
				name := ""
				if n < len(i.SecurityGroupNames) {
					name = i.SecurityGroupNames[n]
				}
				b.WriteString("<item>" + tag("groupId", g) + tag("groupName", name) + "</item>")
			}
			b.WriteString("</groupSet>")
			if i.InstanceProfileArn != "" {
				fmt.Fprintf(&b, "<iamInstanceProfile><arn>%s</arn><id>AIPA%s</id></iamInstanceProfile>", xmlEscape(i.InstanceProfileArn), strings.ToUpper(strings.TrimPrefix(i.ID, "i-")))
			}
			b.WriteString(nameTags(i.Name) + "</item>")
		}
		b.WriteString("</instancesSet></item>")
	}
	b.WriteString("</reservationSet>" + next)
	return b.String(), nil
}

func (f *EC2) describeInstanceTypes(q queryRequest) (string, *ec2Err) {
	names := q.list("InstanceType")
	if len(names) == 0 {
		for n := range f.types {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	var list []EC2InstanceType
	for _, n := range names {
		t, ok := f.types[n]
		if !ok {
			return "", &ec2Err{"InvalidInstanceType", fmt.Sprintf("The following supplied instance types do not exist: [%s]", n)}
		}
		list = append(list, t)
	}
	from, to, next, err := f.ec2Page(q, len(list), 5, 100)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("<instanceTypeSet>")
	for _, t := range list[from:to] {
		fmt.Fprintf(&b, "<item><instanceType>%s</instanceType><currentGeneration>true</currentGeneration><processorInfo><supportedArchitectures>", t.Name)
		for _, a := range t.Archs {
			b.WriteString("<item>" + a + "</item>")
		}
		fmt.Fprintf(&b, "</supportedArchitectures></processorInfo><vCpuInfo><defaultVCpus>%d</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>%d</sizeInMiB></memoryInfo></item>",
			t.VCPUs, t.MemoryMiB)
	}
	b.WriteString("</instanceTypeSet>" + next)
	return b.String(), nil
}

func (f *EC2) describeVolumes(q queryRequest) (string, *ec2Err) {
	from, to, next, err := f.ec2Page(q, len(f.volumes), 5, 500)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("<volumeSet>")
	for _, v := range f.volumes[from:to] {
		fmt.Fprintf(&b, "<item><volumeId>%s</volumeId><size>%d</size><availabilityZone>%s</availabilityZone><status>%s</status><createTime>2025-01-01T00:00:00.000Z</createTime><volumeType>%s</volumeType>",
			v.ID, v.SizeGiB, v.AZ, v.State, v.Type)
		if v.IOPS > 0 {
			fmt.Fprintf(&b, "<iops>%d</iops>", v.IOPS)
		}
		b.WriteString("<attachmentSet>")
		for _, i := range v.Attached {
			fmt.Fprintf(&b, "<item><volumeId>%s</volumeId><instanceId>%s</instanceId><device>/dev/xvda</device><status>attached</status></item>", v.ID, i)
		}
		b.WriteString("</attachmentSet>" + nameTags(v.Name) + "<encrypted>false</encrypted></item>")
	}
	b.WriteString("</volumeSet>" + next)
	return b.String(), nil
}

func (f *EC2) describeAddresses() string {
	var b strings.Builder
	b.WriteString("<addressesSet>")
	for _, a := range f.addresses {
		fmt.Fprintf(&b, "<item><publicIp>%s</publicIp><allocationId>%s</allocationId><domain>vpc</domain>%s%s<networkBorderGroup>eu-central-1</networkBorderGroup></item>",
			a.PublicIP, a.AllocationID, tag("instanceId", a.InstanceID), tag("associationId", a.AssociationID))
	}
	b.WriteString("</addressesSet>")
	return b.String()
}

func (f *EC2) describeSecurityGroups(q queryRequest) (string, *ec2Err) {
	from, to, next, err := f.ec2Page(q, len(f.groups), 5, 1000)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("<securityGroupInfo>")
	for _, g := range f.groups[from:to] {
		fmt.Fprintf(&b, "<item><ownerId>%s</ownerId><groupId>%s</groupId><groupName>%s</groupName><groupDescription>%s</groupDescription>%s<ipPermissions>",
			f.Owner, g.ID, xmlEscape(g.Name), xmlEscape(g.Description), tag("vpcId", g.VPC))
		if len(g.Sources) > 0 || len(g.CIDRs) > 0 {
			b.WriteString("<item><ipProtocol>tcp</ipProtocol><fromPort>0</fromPort><toPort>65535</toPort><groups>")
			for _, s := range g.Sources {
				fmt.Fprintf(&b, "<item><userId>%s</userId><groupId>%s</groupId></item>", f.Owner, s)
			}
			b.WriteString("</groups><ipRanges>")
			for _, c := range g.CIDRs {
				fmt.Fprintf(&b, "<item><cidrIp>%s</cidrIp></item>", c)
			}
			b.WriteString("</ipRanges></item>")
		}
		b.WriteString("</ipPermissions><ipPermissionsEgress/></item>")
	}
	b.WriteString("</securityGroupInfo>" + next)
	return b.String(), nil
}
