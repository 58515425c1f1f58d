package providers

// Resource types and attribute keys that discovery, the audit and the cost
// report share. A provider reports each resource with one of these types
// (its own name for the product goes in AttrProduct), and the attributes
// the price catalog keys on. Movable resources keep their kind's types
// (bucket, zone, queue, secret, parameter, database).
const (
	TypeBucket           = "bucket"
	TypeZone             = "zone"
	TypeQueue            = "queue"
	TypeSecret           = "secret"
	TypeParameter        = "parameter"
	TypeDatabase         = "database"
	TypeInstance         = "instance"           // EC2 instance, Hetzner server, droplet
	TypeVolume           = "volume"             // EBS, Hetzner volume, DO volume
	TypeLoadBalancer     = "load_balancer"      // ALB/NLB/CLB, Hetzner LB, DO LB
	TypeIP               = "ip"                 // Elastic IP, floating/primary IP, reserved IP
	TypeCDN              = "cdn_distribution"   // CloudFront
	TypeFunction         = "function"           // Lambda
	TypeRole             = "iam_role"           // IAM roles referenced by other resources
	TypeFirewall         = "firewall"           // security group, Hetzner/DO firewall
	TypeCertificate      = "certificate"        // Hetzner certificates, ACM
	TypeKubernetes       = "kubernetes_cluster" // DOKS
	TypeApp              = "app"                // DO App Platform
	TypeDatabaseInstance = "database_instance"  // RDS/Aurora instance, DO managed database cluster
)

// Attribute keys of Resource.Attrs shared by discovery, audit and cost.
const (
	AttrRegion     = "region"      // region or location (eu-central-1, fsn1, fra1)
	AttrClass      = "class"       // the priced size: t3.micro, cx22, s-1vcpu-1gb, db.t3.micro, gp3
	AttrProduct    = "product"     // the provider's product name: ec2, rds, aurora, spaces, ...
	AttrVCPUs      = "vcpus"       // decimal
	AttrMemoryMiB  = "memory_mib"  // decimal
	AttrArch       = "arch"        // x86_64 or arm64
	AttrSizeGiB    = "size_gib"    // volume or allocated storage size, decimal
	AttrEngine     = "engine"      // postgres, mysql, mariadb, aurora-postgresql, ...
	AttrVersion    = "version"     // engine version
	AttrMultiAZ    = "multi_az"    // "true" or "false"
	AttrNodes      = "nodes"       // node count (Kubernetes, database clusters)
	AttrState      = "state"       // running, stopped, ...
	AttrEndpoint   = "endpoint"    // host name clients use (RDS endpoint, LB DNS name)
	AttrPublicIP   = "public_ip"   // an instance's or IP resource's address
	AttrLBType     = "lb_type"     // application, network, classic, lb11, ...
	AttrMemoryMB   = "memory_mb"   // Lambda memory
	AttrRuntime    = "runtime"     // Lambda runtime
	AttrStorageGiB = "storage_gib" // database storage
)
