package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"

	"github.com/rehome/rehome/providers"
)

// inventory lists what no mover moves, for the audit and the cost report
// (Scope.Full): EC2 instances (with vCPUs, memory and architecture from
// DescribeInstanceTypes), EBS volumes, Elastic IPs, security groups,
// ELBv2 load balancers (with their instance targets), RDS and Aurora
// instances, Lambda functions (with the sources of their event mappings)
// and the IAM roles the instances and functions use. Each call is read
// only; a failing one fails discovery, naming the service and call.
func (p *Provider) inventory(ctx context.Context) ([]providers.Resource, error) {
	var out []providers.Resource
	roles := map[string]bool{} // role ARNs referenced
	steps := []struct {
		what string
		fn   func(context.Context) ([]providers.Resource, error)
	}{
		{"EC2 instances", func(ctx context.Context) ([]providers.Resource, error) { return p.instances(ctx, roles) }},
		{"EBS volumes", p.volumes},
		{"Elastic IPs", p.addresses},
		{"security groups", p.securityGroups},
		{"load balancers", p.loadBalancers},
		{"RDS instances", p.dbInstances},
		{"Lambda functions", func(ctx context.Context) ([]providers.Resource, error) { return p.functions(ctx, roles) }},
	}
	for _, s := range steps {
		rs, err := s.fn(ctx)
		if err != nil {
			return nil, providers.MarkTransient(fmt.Errorf("aws: discover %s: %w", s.what, err))
		}
		out = append(out, rs...)
	}
	rs, viaProfile, err := p.roles(ctx, roles)
	if err != nil {
		return nil, providers.MarkTransient(fmt.Errorf("aws: discover IAM roles: %w", err))
	}
	// An instance uses the roles of its instance profile.
	for i, r := range out {
		if r.Type != providers.TypeInstance {
			continue
		}
		for _, ref := range r.References {
			out[i].References = append(out[i].References, viaProfile[ref]...)
		}
		out[i] = providers.NewResource(r.Env, r.Provider, r.Type, r.ID, r.Name, r.Attrs, out[i].References)
	}
	return append(out, rs...), nil
}

// isNotFound reports an IAM NoSuchEntity answer.
func isNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity"
}

// base returns the endpoint option of a service's client.
func (p *Provider) base(service string) *string {
	if e := p.endpoint(service); e != "" {
		return aws.String(e)
	}
	return nil
}

func (p *Provider) ec2Client() *ec2.Client {
	return ec2.NewFromConfig(p.cfg, func(o *ec2.Options) { o.BaseEndpoint = p.base("ec2") })
}

func (p *Provider) resource(typ, id, name string, attrs map[string]string, refs []string) providers.Resource {
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs[providers.AttrRegion] = p.region
	return providers.NewResource(p.env, Name, typ, id, name, attrs, refs)
}

func nameTag(tags []ec2types.Tag) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == "Name" {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func (p *Provider) instances(ctx context.Context, roles map[string]bool) ([]providers.Resource, error) {
	c := p.ec2Client()
	var list []ec2types.Instance
	pg := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeInstances: %w", err)
		}
		for _, r := range out.Reservations {
			list = append(list, r.Instances...)
		}
	}
	// The sizes of the types in use, 100 per call (the API's limit).
	types := map[string]ec2types.InstanceTypeInfo{}
	var names []ec2types.InstanceType
	seen := map[ec2types.InstanceType]bool{}
	for _, i := range list {
		if !seen[i.InstanceType] && i.InstanceType != "" {
			seen[i.InstanceType] = true
			names = append(names, i.InstanceType)
		}
	}
	for len(names) > 0 {
		batch := names[:min(len(names), 100)]
		names = names[len(batch):]
		tp := ec2.NewDescribeInstanceTypesPaginator(c, &ec2.DescribeInstanceTypesInput{InstanceTypes: batch})
		for tp.HasMorePages() {
			out, err := tp.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("DescribeInstanceTypes: %w", err)
			}
			for _, t := range out.InstanceTypes {
				types[string(t.InstanceType)] = t
			}
		}
	}
	var rs []providers.Resource
	for _, i := range list {
		if i.State != nil && i.State.Name == ec2types.InstanceStateNameTerminated {
			continue // gone: AWS lists terminated instances for an hour
		}
		attrs := map[string]string{providers.AttrClass: string(i.InstanceType), providers.AttrProduct: "ec2",
			providers.AttrArch: string(i.Architecture), providers.AttrPublicIP: aws.ToString(i.PublicIpAddress),
			"private_ip": aws.ToString(i.PrivateIpAddress)}
		if i.State != nil {
			attrs[providers.AttrState] = string(i.State.Name)
		}
		if i.Placement != nil {
			attrs["zone"] = aws.ToString(i.Placement.AvailabilityZone)
		}
		if t, ok := types[string(i.InstanceType)]; ok {
			if t.VCpuInfo != nil && t.VCpuInfo.DefaultVCpus != nil {
				attrs[providers.AttrVCPUs] = strconv.Itoa(int(*t.VCpuInfo.DefaultVCpus))
			}
			if t.MemoryInfo != nil && t.MemoryInfo.SizeInMiB != nil {
				attrs[providers.AttrMemoryMiB] = strconv.FormatInt(*t.MemoryInfo.SizeInMiB, 10)
			}
			if attrs[providers.AttrArch] == "" && t.ProcessorInfo != nil && len(t.ProcessorInfo.SupportedArchitectures) > 0 {
				attrs[providers.AttrArch] = string(t.ProcessorInfo.SupportedArchitectures[0])
			}
		}
		if attrs[providers.AttrArch] == "arm64_mac" || attrs[providers.AttrArch] == "x86_64_mac" {
			attrs[providers.AttrArch] = strings.TrimSuffix(attrs[providers.AttrArch], "_mac")
		}
		var refs []string
		for _, g := range i.SecurityGroups {
			refs = append(refs, aws.ToString(g.GroupId))
		}
		if i.IamInstanceProfile != nil {
			prof := aws.ToString(i.IamInstanceProfile.Arn)
			refs = append(refs, prof)
			roles["profile:"+prof] = true
		}
		rs = append(rs, p.resource(providers.TypeInstance, aws.ToString(i.InstanceId), nameTag(i.Tags), attrs, refs))
	}
	return rs, nil
}

func (p *Provider) volumes(ctx context.Context) ([]providers.Resource, error) {
	var rs []providers.Resource
	pg := ec2.NewDescribeVolumesPaginator(p.ec2Client(), &ec2.DescribeVolumesInput{MaxResults: aws.Int32(500)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeVolumes: %w", err)
		}
		for _, v := range out.Volumes {
			var refs []string
			for _, a := range v.Attachments {
				refs = append(refs, aws.ToString(a.InstanceId))
			}
			attrs := map[string]string{providers.AttrClass: string(v.VolumeType), providers.AttrProduct: "ebs",
				providers.AttrSizeGiB: strconv.Itoa(int(aws.ToInt32(v.Size))), providers.AttrState: string(v.State),
				"zone": aws.ToString(v.AvailabilityZone)}
			if v.Iops != nil {
				attrs["iops"] = strconv.Itoa(int(*v.Iops))
			}
			rs = append(rs, p.resource(providers.TypeVolume, aws.ToString(v.VolumeId), nameTag(v.Tags), attrs, refs))
		}
	}
	return rs, nil
}

func (p *Provider) addresses(ctx context.Context) ([]providers.Resource, error) {
	out, err := p.ec2Client().DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return nil, fmt.Errorf("DescribeAddresses: %w", err)
	}
	var rs []providers.Resource
	for _, a := range out.Addresses {
		state := "unassociated"
		if a.AssociationId != nil || a.InstanceId != nil {
			state = "associated"
		}
		rs = append(rs, p.resource(providers.TypeIP, providers.First(aws.ToString(a.AllocationId), aws.ToString(a.PublicIp)), aws.ToString(a.PublicIp),
			map[string]string{providers.AttrClass: "elastic_ip", providers.AttrProduct: "ec2", providers.AttrPublicIP: aws.ToString(a.PublicIp),
				providers.AttrState: state},
			[]string{aws.ToString(a.InstanceId)}))
	}
	return rs, nil
}

func (p *Provider) securityGroups(ctx context.Context) ([]providers.Resource, error) {
	var rs []providers.Resource
	pg := ec2.NewDescribeSecurityGroupsPaginator(p.ec2Client(), &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(1000)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeSecurityGroups: %w", err)
		}
		for _, g := range out.SecurityGroups {
			var refs []string
			rules := 0
			for _, perm := range append(append([]ec2types.IpPermission{}, g.IpPermissions...), g.IpPermissionsEgress...) {
				rules++
				for _, pair := range perm.UserIdGroupPairs {
					if id := aws.ToString(pair.GroupId); id != aws.ToString(g.GroupId) {
						refs = append(refs, id)
					}
				}
			}
			rs = append(rs, p.resource(providers.TypeFirewall, aws.ToString(g.GroupId), aws.ToString(g.GroupName),
				map[string]string{providers.AttrProduct: "security_group", "vpc": aws.ToString(g.VpcId), "rules": strconv.Itoa(rules)}, refs))
		}
	}
	return rs, nil
}

func (p *Provider) loadBalancers(ctx context.Context) ([]providers.Resource, error) {
	c := elbv2.NewFromConfig(p.cfg, func(o *elbv2.Options) { o.BaseEndpoint = p.base("elasticloadbalancingv2") })
	var rs []providers.Resource
	pg := elbv2.NewDescribeLoadBalancersPaginator(c, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(400)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeLoadBalancers: %w", err)
		}
		for _, lb := range out.LoadBalancers {
			refs := append([]string{}, lb.SecurityGroups...)
			tp := elbv2.NewDescribeTargetGroupsPaginator(c, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: aws.Int32(400)})
			groups := 0
			for tp.HasMorePages() {
				tgs, err := tp.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("DescribeTargetGroups of %s: %w", aws.ToString(lb.LoadBalancerName), err)
				}
				for _, tg := range tgs.TargetGroups {
					groups++
					h, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
					if err != nil {
						return nil, fmt.Errorf("DescribeTargetHealth of %s: %w", aws.ToString(tg.TargetGroupName), err)
					}
					for _, d := range h.TargetHealthDescriptions {
						if d.Target != nil {
							refs = append(refs, aws.ToString(d.Target.Id))
						}
					}
				}
			}
			state := ""
			if lb.State != nil {
				state = string(lb.State.Code)
			}
			rs = append(rs, p.resource(providers.TypeLoadBalancer, aws.ToString(lb.LoadBalancerArn), aws.ToString(lb.LoadBalancerName),
				map[string]string{providers.AttrClass: string(lb.Type), providers.AttrLBType: string(lb.Type), providers.AttrProduct: "elbv2",
					providers.AttrEndpoint: aws.ToString(lb.DNSName), providers.AttrState: state, "scheme": string(lb.Scheme),
					"target_groups": strconv.Itoa(groups)}, refs))
		}
	}
	return rs, nil
}

func (p *Provider) dbInstances(ctx context.Context) ([]providers.Resource, error) {
	c := rds.NewFromConfig(p.cfg, func(o *rds.Options) { o.BaseEndpoint = p.base("rds") })
	var rs []providers.Resource
	pg := rds.NewDescribeDBInstancesPaginator(c, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(100)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeDBInstances: %w", err)
		}
		for _, d := range out.DBInstances {
			engine := aws.ToString(d.Engine)
			product := "rds"
			if strings.HasPrefix(engine, "aurora") {
				product = "aurora"
			}
			attrs := map[string]string{providers.AttrClass: aws.ToString(d.DBInstanceClass), providers.AttrProduct: product,
				providers.AttrEngine: engine, providers.AttrVersion: aws.ToString(d.EngineVersion),
				providers.AttrMultiAZ: strconv.FormatBool(aws.ToBool(d.MultiAZ)), providers.AttrState: aws.ToString(d.DBInstanceStatus),
				"storage_type": aws.ToString(d.StorageType), "cluster": aws.ToString(d.DBClusterIdentifier)}
			if d.AllocatedStorage != nil && *d.AllocatedStorage > 0 {
				attrs[providers.AttrStorageGiB] = strconv.Itoa(int(*d.AllocatedStorage))
			}
			if d.Endpoint != nil {
				attrs[providers.AttrEndpoint] = aws.ToString(d.Endpoint.Address)
				if d.Endpoint.Port != nil {
					attrs["port"] = strconv.Itoa(int(*d.Endpoint.Port))
				}
			}
			var refs []string
			for _, g := range d.VpcSecurityGroups {
				refs = append(refs, aws.ToString(g.VpcSecurityGroupId))
			}
			rs = append(rs, p.resource(providers.TypeDatabaseInstance, aws.ToString(d.DBInstanceArn), aws.ToString(d.DBInstanceIdentifier), attrs, refs))
		}
	}
	return rs, nil
}

func (p *Provider) functions(ctx context.Context, roles map[string]bool) ([]providers.Resource, error) {
	c := lambda.NewFromConfig(p.cfg, func(o *lambda.Options) { o.BaseEndpoint = p.base("lambda") })
	var rs []providers.Resource
	pg := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{MaxItems: aws.Int32(50)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListFunctions: %w", err)
		}
		for _, fn := range out.Functions {
			// Environment variables are never read into the inventory:
			// they hold secrets.
			refs := []string{aws.ToString(fn.Role)}
			roles[aws.ToString(fn.Role)] = true
			mp := lambda.NewListEventSourceMappingsPaginator(c, &lambda.ListEventSourceMappingsInput{FunctionName: fn.FunctionArn, MaxItems: aws.Int32(100)})
			for mp.HasMorePages() {
				ms, err := mp.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("ListEventSourceMappings of %s: %w", aws.ToString(fn.FunctionName), err)
				}
				for _, m := range ms.EventSourceMappings {
					refs = append(refs, aws.ToString(m.EventSourceArn))
				}
			}
			arch := "x86_64"
			if len(fn.Architectures) > 0 {
				arch = string(fn.Architectures[0])
			}
			rs = append(rs, p.resource(providers.TypeFunction, aws.ToString(fn.FunctionArn), aws.ToString(fn.FunctionName),
				map[string]string{providers.AttrProduct: "lambda", providers.AttrRuntime: string(fn.Runtime), providers.AttrArch: arch,
					providers.AttrMemoryMB: strconv.Itoa(int(aws.ToInt32(fn.MemorySize))), "timeout_s": strconv.Itoa(int(aws.ToInt32(fn.Timeout)))}, refs))
		}
	}
	return rs, nil
}

// roles reads the roles the instances (through their instance profiles)
// and functions use: GetRole and GetInstanceProfile for those only, never
// a listing of the account's roles. A role that no longer exists is left
// out (the reference stays on the resource).
func (p *Provider) roles(ctx context.Context, refs map[string]bool) ([]providers.Resource, map[string][]string, error) {
	viaProfile := map[string][]string{}
	if len(refs) == 0 {
		return nil, viaProfile, nil
	}
	c := iam.NewFromConfig(p.cfg, func(o *iam.Options) { o.BaseEndpoint = p.base("iam") })
	keys := make([]string, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type role struct{ arn, name, path, via string }
	found := map[string]role{}
	for _, k := range keys {
		if prof, ok := strings.CutPrefix(k, "profile:"); ok {
			name := prof[strings.LastIndex(prof, "/")+1:]
			out, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, nil, fmt.Errorf("GetInstanceProfile %s: %w", name, err)
			}
			for _, r := range out.InstanceProfile.Roles {
				viaProfile[prof] = append(viaProfile[prof], aws.ToString(r.Arn))
				found[aws.ToString(r.Arn)] = role{aws.ToString(r.Arn), aws.ToString(r.RoleName), aws.ToString(r.Path), prof}
			}
			continue
		}
		if _, ok := found[k]; ok {
			continue
		}
		name := k[strings.LastIndex(k, "/")+1:]
		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("GetRole %s: %w", name, err)
		}
		found[aws.ToString(out.Role.Arn)] = role{aws.ToString(out.Role.Arn), aws.ToString(out.Role.RoleName), aws.ToString(out.Role.Path), ""}
	}
	var rs []providers.Resource
	arns := make([]string, 0, len(found))
	for a := range found {
		arns = append(arns, a)
	}
	sort.Strings(arns)
	for _, a := range arns {
		r := found[a]
		rs = append(rs, p.resource(providers.TypeRole, r.arn, r.name, map[string]string{providers.AttrProduct: "iam", "path": r.path,
			"instance_profile": r.via}, nil))
	}
	return rs, viaProfile, nil
}
