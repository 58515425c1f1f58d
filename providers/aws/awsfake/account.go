package awsfake

import (
	"net/http/httptest"
)

// Account runs the discovery fakes of one AWS account and region, each
// service on its own 127.0.0.1 server: STS, EC2, ELBv2, RDS, Lambda and
// IAM, and Route 53, SQS, Secrets Manager and SSM (empty: fill them
// through the SDK or the provider).
// Endpoints gives the provider's endpoints map.
type Account struct {
	ID, Region string
	EC2        *EC2
	ELBv2      *ELBv2
	RDS        *RDS
	Lambda     *Lambda
	IAM        *IAM
	Route53    *Route53Server
	SQS        *SQS
	Secrets    *SecretsManager
	SSM        *SSM
	servers    map[string]*httptest.Server
}

// NewAccount starts the fakes; Close stops them.
func NewAccount(id, region string) *Account {
	a := &Account{ID: id, Region: region, EC2: NewEC2(id), ELBv2: NewELBv2(id, region), RDS: NewRDS(id, region),
		Lambda: NewLambda(id, region), IAM: NewIAM(id), Route53: NewRoute53(), SQS: NewSQS(), Secrets: NewSecretsManager(), SSM: NewSSM(),
		servers: map[string]*httptest.Server{}}
	a.servers["sts"] = httptest.NewServer(STS(id))
	a.servers["ec2"] = httptest.NewServer(a.EC2)
	a.servers["elasticloadbalancingv2"] = httptest.NewServer(a.ELBv2)
	a.servers["rds"] = httptest.NewServer(a.RDS)
	a.servers["lambda"] = httptest.NewServer(a.Lambda)
	a.servers["iam"] = httptest.NewServer(a.IAM)
	a.servers["route53"] = httptest.NewServer(a.Route53)
	a.servers["sqs"] = httptest.NewServer(a.SQS)
	a.servers["secretsmanager"] = httptest.NewServer(a.Secrets)
	a.servers["ssm"] = httptest.NewServer(a.SSM)
	return a
}

// Endpoints maps the SDK service names to the fakes' URLs.
func (a *Account) Endpoints() map[string]string {
	out := map[string]string{}
	for k, s := range a.servers {
		out[k] = s.URL
	}
	return out
}

// SetPageLimit makes every service answer at most n items a page.
func (a *Account) SetPageLimit(n int) {
	a.EC2.PageLimit, a.ELBv2.PageLimit, a.RDS.PageLimit, a.Lambda.PageLimit = n, n, n, n
}

// Close stops the servers.
func (a *Account) Close() {
	for _, s := range a.servers {
		s.Close()
	}
}

// SeedShop fills the account with a small shop: two web instances (x86
// and arm) behind an application load balancer, a worker, their volumes,
// an Elastic IP, security groups (the database's admits the web tier), a
// PostgreSQL RDS instance, a Lambda function triggered by the "orders"
// queue with its role, and the web tier's instance profile and role.
// Endpoints and names are what the scan fixtures refer to.
func (a *Account) SeedShop() {
	acct, region := a.ID, a.Region
	a.EC2.AddInstanceType(
		EC2InstanceType{Name: "t3.large", VCPUs: 2, MemoryMiB: 8192, Archs: []string{"x86_64"}},
		EC2InstanceType{Name: "t4g.small", VCPUs: 2, MemoryMiB: 2048, Archs: []string{"arm64"}},
		EC2InstanceType{Name: "c6i.xlarge", VCPUs: 4, MemoryMiB: 8192, Archs: []string{"x86_64"}},
	)
	a.EC2.AddSecurityGroup(
		EC2SecurityGroup{ID: "sg-0a1b2c3d4e5f60001", Name: "shop-web", Description: "web tier", VPC: "vpc-0123", CIDRs: []string{"0.0.0.0/0"}},
		EC2SecurityGroup{ID: "sg-0a1b2c3d4e5f60002", Name: "shop-db", Description: "database", VPC: "vpc-0123", Sources: []string{"sg-0a1b2c3d4e5f60001"}},
		EC2SecurityGroup{ID: "sg-0a1b2c3d4e5f60003", Name: "shop-alb", Description: "load balancer", VPC: "vpc-0123", CIDRs: []string{"0.0.0.0/0"}},
	)
	profile := "arn:aws:iam::" + acct + ":instance-profile/shop-web"
	a.EC2.AddInstance(
		EC2Instance{ID: "i-0aa0000000000web1", Name: "web-1", Type: "t3.large", State: "running", Arch: "x86_64", AZ: region + "a",
			PrivateIP: "10.0.1.11", PublicIP: "198.51.100.11", SecurityGroups: []string{"sg-0a1b2c3d4e5f60001"}, SecurityGroupNames: []string{"shop-web"},
			InstanceProfileArn: profile, VPC: "vpc-0123", ReservationID: "r-0web"},
		EC2Instance{ID: "i-0aa0000000000web2", Name: "web-2", Type: "t4g.small", State: "running", Arch: "arm64", AZ: region + "b",
			PrivateIP: "10.0.2.12", SecurityGroups: []string{"sg-0a1b2c3d4e5f60001"}, SecurityGroupNames: []string{"shop-web"},
			InstanceProfileArn: profile, VPC: "vpc-0123", ReservationID: "r-0web"},
		EC2Instance{ID: "i-0aa00000000worker", Name: "worker", Type: "c6i.xlarge", State: "stopped", Arch: "x86_64", AZ: region + "a",
			PrivateIP: "10.0.1.20", SecurityGroups: []string{"sg-0a1b2c3d4e5f60001"}, VPC: "vpc-0123"},
		EC2Instance{ID: "i-0aa000000000old99", Name: "old", Type: "t3.large", State: "terminated", Arch: "x86_64", AZ: region + "a"},
	)
	a.EC2.AddVolume(
		EC2Volume{ID: "vol-0000000000000web1", Type: "gp3", AZ: region + "a", State: "in-use", SizeGiB: 20, IOPS: 3000, Attached: []string{"i-0aa0000000000web1"}},
		EC2Volume{ID: "vol-0000000000000web2", Type: "gp3", AZ: region + "b", State: "in-use", SizeGiB: 20, IOPS: 3000, Attached: []string{"i-0aa0000000000web2"}},
		EC2Volume{ID: "vol-00000000000000data", Name: "shop-data", Type: "io2", AZ: region + "a", State: "available", SizeGiB: 500, IOPS: 8000},
	)
	a.EC2.AddAddress(EC2Address{AllocationID: "eipalloc-0123456789abcdef0", PublicIP: "198.51.100.11", InstanceID: "i-0aa0000000000web1", AssociationID: "eipassoc-01"})
	alb := ELBv2LoadBalancer{Name: "shop-alb", Type: "application", Scheme: "internet-facing", DNSName: "shop-alb-1234567890." + region + ".elb.amazonaws.com",
		State: "active", VPC: "vpc-0123", SecurityGroups: []string{"sg-0a1b2c3d4e5f60003"}}
	a.ELBv2.AddLoadBalancer(alb)
	a.ELBv2.AddTargetGroup(ELBv2TargetGroup{Name: "shop-web", Protocol: "HTTP", TargetType: "instance", Port: 8080,
		LoadBalancers: []string{"shop-alb"}, Targets: []string{"i-0aa0000000000web1", "i-0aa0000000000web2"}})
	a.RDS.AddInstance(RDSInstance{ID: "orders", Class: "db.t3.medium", Engine: "postgres", EngineVersion: "15.8", Status: "available",
		Address: "orders.c9akciq32." + region + ".rds.amazonaws.com", Port: 5432, AllocatedStorage: 100, StorageType: "gp3", MultiAZ: true,
		SecurityGroups: []string{"sg-0a1b2c3d4e5f60002"}, AZ: region + "a"})
	a.IAM.AddRole(
		IAMRole{Name: "shop-web", Description: "web instances", AssumeRolePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		IAMRole{Name: "shop-resize", Path: "/service-role/", AssumeRolePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
	)
	a.IAM.AddInstanceProfile(IAMInstanceProfile{Name: "shop-web", Roles: []string{"shop-web"}})
	a.Lambda.AddFunction(LambdaFunction{Name: "shop-resize", Runtime: "python3.12", Handler: "app.lambda_handler", MemorySize: 512, Timeout: 30,
		Arch: "arm64", Role: "arn:aws:iam::" + acct + ":role/service-role/shop-resize",
		Env: map[string]string{"STRIPE_KEY": "sk_live_never_in_inventory"}})
	a.Lambda.AddMapping(LambdaMapping{UUID: "a1b2c3d4-0000-4000-8000-000000000001", Function: "shop-resize",
		SourceARN: "arn:aws:sqs:" + region + ":" + acct + ":orders", State: "Enabled", BatchSize: 10})
}
