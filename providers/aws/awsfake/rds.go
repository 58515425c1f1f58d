package awsfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// RDSInstance is one DB instance of the RDS fake.
type RDSInstance struct {
	ID, Class, Engine, EngineVersion string
	Status                           string // available, stopped, ...
	Address                          string // the endpoint host
	Port                             int
	AllocatedStorage                 int
	StorageType                      string
	MultiAZ                          bool
	ClusterID                        string // Aurora: the cluster it belongs to
	SecurityGroups                   []string
	AZ                               string
}

// RDS is a stateful fake of the RDS API for discovery (the AWS Query
// protocol, Version=2014-10-31, XML answers whose list members are named
// after their type): DescribeDBInstances with MaxRecords (20-100) and
// Marker; DBInstanceIdentifier selects one (DBInstanceNotFound when it
// does not exist). PageLimit caps every page further. Errors are the Query
// protocol's ErrorResponse document.
type RDS struct {
	fakeBase
	Account   string
	Region    string
	PageLimit int
	instances []RDSInstance
}

// NewRDS returns an empty fake for the account and region (for ARNs).
func NewRDS(account, region string) *RDS {
	return &RDS{Account: account, Region: region}
}

// AddInstance adds DB instances.
func (f *RDS) AddInstance(is ...RDSInstance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.instances = append(f.instances, is...)
}

const rdsNS = "http://rds.amazonaws.com/doc/2014-10-31/"

func (f *RDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := queryError(rdsNS, &f.ids)
	q, ok := parseQuery(w, r, fail)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count(q.action)
	if q.action != "DescribeDBInstances" {
		fail(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2014-10-31", q.action))
		return
	}
	list := f.instances
	if id := q.get("DBInstanceIdentifier"); id != "" {
		list = nil
		for _, i := range f.instances {
			if i.ID == id {
				list = append(list, i)
			}
		}
		if len(list) == 0 {
			fail(w, http.StatusNotFound, "DBInstanceNotFound", fmt.Sprintf("DBInstance %s not found.", id))
			return
		}
	}
	size := 100
	if m := q.get("MaxRecords"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 20 || n > 100 {
			fail(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Invalid value %s for MaxRecords. Must be between 20 and 100", m))
			return
		}
		size = n
	}
	if f.PageLimit > 0 && f.PageLimit < size {
		size = f.PageLimit
	}
	from, to, next, err := queryPage(len(list), q.get("Marker"), size)
	if err != nil {
		fail(w, http.StatusBadRequest, "InvalidParameterValue", "The parameter Marker is not a valid pagination token")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<DescribeDBInstancesResponse xmlns="%s"><DescribeDBInstancesResult>`, rdsNS)
	b.WriteString(tag("Marker", next) + "<DBInstances>")
	for _, i := range list[from:to] {
		fmt.Fprintf(&b, "<DBInstance><DBInstanceIdentifier>%s</DBInstanceIdentifier><DBInstanceArn>arn:aws:rds:%s:%s:db:%s</DBInstanceArn>",
			i.ID, f.Region, f.Account, i.ID)
		b.WriteString(tag("DBInstanceClass", i.Class) + tag("Engine", i.Engine) + tag("EngineVersion", i.EngineVersion) +
			tag("DBInstanceStatus", i.Status) + "<MasterUsername>admin</MasterUsername>")
		if i.Address != "" {
			fmt.Fprintf(&b, "<Endpoint><Address>%s</Address><Port>%d</Port><HostedZoneId>Z1RLNUO7B9Q6NB</HostedZoneId></Endpoint>", i.Address, i.Port)
		}
		fmt.Fprintf(&b, "<AllocatedStorage>%d</AllocatedStorage>%s<MultiAZ>%t</MultiAZ>%s%s<VpcSecurityGroups>",
			i.AllocatedStorage, tag("StorageType", i.StorageType), i.MultiAZ, tag("DBClusterIdentifier", i.ClusterID), tag("AvailabilityZone", i.AZ))
		for _, g := range i.SecurityGroups {
			fmt.Fprintf(&b, "<VpcSecurityGroupMembership><VpcSecurityGroupId>%s</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>", g)
		}
		b.WriteString("</VpcSecurityGroups><PubliclyAccessible>false</PubliclyAccessible><StorageEncrypted>true</StorageEncrypted></DBInstance>")
	}
	fmt.Fprintf(&b, "</DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></DescribeDBInstancesResponse>", f.ids.next())
	w.Header().Set("Content-Type", "text/xml")
	w.Write([]byte(b.String()))
}
