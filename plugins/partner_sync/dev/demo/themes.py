"""Project themes: what an opportunity is about, phrased the Odoo way and (differently) the ACE way.

Why: a twin pair describes the same project in two systems written by different people, so the
titles share meaning, not words ("Migration to AWS" vs "AWS migration"); each theme also carries the
ACE picklist values (use case, delivery model, products) that follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    key: str
    odoo: tuple[str, ...]  # how the partner's salespeople name it in Odoo
    ace: tuple[str, ...]  # how it was typed into ACE (partnerProjectTitle)
    use_case: str  # ACE useCase standard value
    delivery: tuple[str, ...]  # ACE deliveryModel values
    products: tuple[str, ...]  # ACE awsProducts codes
    problem: str  # ACE projectDescription / Odoo description seed
    recurring: bool = False  # managed/recurring revenue (Odoo recurring_revenue)


MIG = "Migration / Database Migration"
BIG = "Big Data: Data Warehouse / Data Integration / ETL / Data Lake / BI"
AIML = "AI Machine Learning and Analytics"
THEMES: tuple[Theme, ...] = (
    Theme("migration", ("Migration to AWS", "Datacenter exit to AWS", "Lift & Shift migration"),
          ("AWS migration", "Data center migration to AWS", "Rehost on-prem workloads on AWS"), MIG,
          ("Professional Services",), ("AmazonEC2", "AWSApplicationMigrationService"),
          "exit the on-premises data centre before the hosting contract ends"),
    Theme("sap", ("SAP on AWS", "S/4HANA migration", "SAP RISE hosting"), ("SAP workloads to AWS", "S/4HANA on AWS", "Move SAP ECC to AWS"),
          "SAP", ("Professional Services", "Managed Services"), ("AmazonEC2", "AWSBackup"), "move SAP ECC to S/4HANA on AWS"),
    Theme("datalake", ("Data Lake", "Data platform on S3", "Lakehouse project"), ("Data lake on Amazon S3", "Modern data platform", "Lake House architecture"),
          BIG, ("Professional Services",), ("AmazonS3", "AWSGlue", "AmazonAthena"), "consolidate siloed data into one governed data lake"),
    Theme("genai", ("GenAI chatbot", "Generative AI assistant (Bedrock)", "AI knowledge assistant"),
          ("Amazon Bedrock GenAI assistant", "GenAI customer service bot", "Generative AI RAG chatbot"), AIML,
          ("Professional Services", "SaaS or PaaS"), ("AmazonBedrock", "AmazonOpenSearchService"),
          "answer customer questions with a generative AI assistant over internal documents"),
    Theme("connect", ("Amazon Connect contact center", "Contact center migration", "Call center in the cloud"),
          ("Contact centre modernisation with Amazon Connect", "Amazon Connect rollout", "Cloud contact center"),
          "Business Applications & Contact Center", ("Professional Services",), ("AmazonConnect", "AmazonLex"),
          "replace the legacy call centre telephony"),
    Theme("eks", ("Kubernetes platform (EKS)", "Container modernisation", "EKS platform"),
          ("EKS modernization", "Containerize apps on Amazon EKS", "Kubernetes on AWS"), "Containers & Serverless",
          ("Professional Services",), ("AmazonEKS", "AmazonECR"), "modernise monolithic applications into containers"),
    Theme("serverless", ("Serverless re-architecture", "Lambda refactoring", "Serverless API platform"),
          ("Serverless refactoring with AWS Lambda", "Serverless modernization", "API platform on Lambda"),
          "Containers & Serverless", ("Professional Services",), ("AWSLambda", "AmazonAPIGateway", "AmazonDynamoDB"),
          "re-architect batch jobs and APIs as serverless services"),
    Theme("oracle", ("Oracle to Aurora migration", "Oracle DB exit", "Database modernisation Oracle"),
          ("Migrate Oracle DB to Amazon Aurora PostgreSQL", "Oracle to Aurora PostgreSQL", "Database freedom - Oracle exit"),
          MIG, ("Professional Services",), ("AmazonAurora", "AWSDatabaseMigrationService"), "leave Oracle licences behind"),
    Theme("sqlserver", ("SQL Server to RDS", "MSSQL migration"), ("Move SQL Server to Amazon RDS", "SQL Server on RDS migration"),
          MIG, ("Professional Services",), ("AmazonRDS", "AWSDatabaseMigrationService"), "run SQL Server as a managed service"),
    Theme("windows", ("Windows workloads migration", "Windows Server to AWS"), ("Windows Server migration to EC2", "Microsoft workloads on AWS"),
          MIG, ("Professional Services",), ("AmazonEC2", "AWSDirectoryService"), "move Windows servers off end-of-support hardware"),
    Theme("vmware", ("VMware Cloud on AWS", "VMC migration"), ("VMC on AWS migration", "VMware to AWS"), "VMWare",
          ("Resell", "Professional Services"), ("VMwareCloudOnAWS",), "evacuate the VMware estate"),
    Theme("dr", ("Backup & DR", "Disaster recovery site", "DR on AWS"), ("Disaster recovery on AWS", "AWS Elastic Disaster Recovery rollout", "Backup and DR"),
          "Storage & Backup", ("Managed Services",), ("AWSElasticDisasterRecovery", "AWSBackup"),
          "replace the secondary data centre with a cloud DR site", True),
    Theme("landingzone", ("Landing Zone & Control Tower", "AWS foundation", "Multi-account setup"),
          ("AWS Control Tower landing zone", "Landing zone setup", "Multi-account foundation"), "Security & Compliance",
          ("Professional Services",), ("AWSControlTower", "AWSOrganizations"), "set up a governed multi-account foundation"),
    Theme("security", ("Security assessment", "SOC / SIEM on AWS"), ("Security & compliance baseline", "Security Hub and GuardDuty rollout"),
          "Security & Compliance", ("Professional Services", "Managed Services"), ("AWSSecurityHub", "AmazonGuardDuty"),
          "meet NIS2 / ISO 27001 requirements"),
    Theme("msp", ("Managed Services 24/7", "Run & operate contract", "MSP contract"), ("MSP managed operations", "24x7 managed cloud operations", "Managed services renewal"),
          "Centralized Operations Management", ("Managed Services",), ("AmazonCloudWatch", "AWSSystemsManager"),
          "outsource day-2 operations", True),
    Theme("finops", ("FinOps / cost optimization", "Cost optimisation review"), ("Cloud cost optimisation", "AWS cost reduction program"),
          "Cloud Management Tools", ("Professional Services",), ("AWSCostExplorer", "AWSComputeOptimizer"), "cut the AWS bill by a third"),
    Theme("observability", ("Observability stack", "Monitoring platform"), ("Monitoring & observability on CloudWatch", "Observability modernization"),
          "Monitoring & Observability", ("Professional Services", "Managed Services"), ("AmazonCloudWatch", "AmazonManagedGrafana"),
          "replace the on-prem monitoring tools", True),
    Theme("iot", ("IoT platform", "Connected machines"), ("Industrial IoT on AWS IoT Core", "IoT data platform"), "IOT",
          ("Professional Services", "SaaS or PaaS"), ("AWSIoTCore", "AmazonTimestream"), "collect telemetry from production machines"),
    Theme("mainframe", ("Mainframe modernization", "COBOL refactoring"), ("Mainframe modernisation to AWS", "AWS Mainframe Modernization"),
          "Business Applications: Mainframe Modernization", ("Professional Services",), ("AWSMainframeModernization",),
          "retire the mainframe"),
    Theme("hpc", ("HPC cluster", "Simulation cluster"), ("High performance computing cluster", "HPC on AWS ParallelCluster"),
          "High Performance Computing", ("Professional Services",), ("AWSParallelCluster", "AmazonFSx"), "burst simulations to the cloud"),
    Theme("vdi", ("WorkSpaces VDI", "Virtual desktops"), ("Virtual desktops with Amazon WorkSpaces", "End-user computing on WorkSpaces"),
          "Edge Computing / End User Computing", ("Resell", "Managed Services"), ("AmazonWorkSpaces",), "give contractors secure desktops", True),
    Theme("mlops", ("ML platform (SageMaker)", "MLOps platform"), ("SageMaker MLOps platform", "Machine learning platform on SageMaker"),
          AIML, ("Professional Services",), ("AmazonSageMaker",), "industrialise the data science models"),
    Theme("redshift", ("Redshift data warehouse", "DWH modernisation"), ("Data warehouse modernization on Redshift", "Teradata to Redshift"),
          BIG, ("Professional Services",), ("AmazonRedshift", "AWSGlue"), "replace the ageing data warehouse appliance"),
    Theme("ecommerce", ("E-commerce platform replatforming", "Webshop on AWS"), ("Replatform webshop on AWS", "Headless commerce on AWS"),
          "Web development & DevOps", ("Professional Services",), ("AmazonCloudFront", "AmazonEKS"), "survive Black Friday peaks"),
    Theme("cicd", ("CI/CD pipeline", "DevOps toolchain"), ("DevOps CI/CD on AWS", "CI/CD modernization"),
          "Cloud Management Tools & DevOps with Continuous Integration & Continuous Delivery (CICD)", ("Professional Services",),
          ("AWSCodePipeline", "AWSCodeBuild"), "ship releases weekly instead of quarterly"),
    Theme("network", ("Network redesign (Transit Gateway)", "SD-WAN to AWS"), ("Networking refresh with Transit Gateway", "Hybrid network on AWS"),
          "Networking", ("Professional Services",), ("AWSTransitGateway", "AWSDirectConnect"), "connect 40 branch offices to AWS"),
    Theme("streaming", ("Video streaming platform", "OTT platform"), ("Media streaming on AWS Elemental", "OTT video platform"),
          "Media & High performance computing (HPC)", ("SaaS or PaaS", "Professional Services"), ("AWSElementalMediaLive", "AmazonCloudFront"),
          "launch a subscription video service"),
    Theme("erp", ("ERP hosting", "Odoo hosting on AWS"), ("ERP on AWS", "ERP hosting and operations"), "Enterprise Resource Planning",
          ("Managed Services",), ("AmazonEC2", "AmazonRDS"), "host the ERP with guaranteed uptime", True),
    Theme("archive", ("Archive to Glacier", "Tape replacement"), ("Long-term archiving on S3 Glacier", "Tape to cloud archive"), "Archiving",
          ("Professional Services",), ("AmazonS3Glacier",), "replace tape libraries"),
    Theme("war", ("Well-Architected review", "WAR remediation"), ("Well-Architected Framework review", "WAFR and remediation"),
          "Configuration, Compliance & Auditing", ("Professional Services",), ("AWSWellArchitectedTool",), "close high-risk findings"),
    Theme("saas", ("SaaS on AWS Marketplace", "Marketplace listing"), ("AWS Marketplace SaaS listing", "SaaS transaction via Marketplace"),
          "Hybrid Application Platform", ("SaaS or PaaS",), ("AWSMarketplace",), "sell the product through AWS Marketplace"),
    Theme("gaming", ("Game backend on AWS", "GameLift servers"), ("Multiplayer game backend on GameLift", "Gaming backend modernization"),
          "Media & High performance computing (HPC)", ("Professional Services",), ("AmazonGameLift", "AmazonDynamoDB"), "scale multiplayer servers"),
    Theme("healthdata", ("Healthcare data platform", "FHIR platform"), ("HealthLake FHIR data platform", "Healthcare data lake"),
          "Healthcare and Life Sciences", ("Professional Services",), ("AWSHealthLake", "AmazonS3"), "unify patient records"),
    Theme("riskgrid", ("Risk calculation grid", "FRTB compute grid"), ("Risk compute grid on AWS", "Financial risk HPC grid"),
          "Financial Services", ("Professional Services",), ("AmazonEC2", "AWSBatch"), "run overnight risk in two hours"),
    Theme("supplychain", ("Supply chain visibility", "Demand forecasting"), ("Supply chain analytics on AWS", "Demand forecasting with AWS"),
          "Manufacturing, Supply Chain and Operations", ("Professional Services",), ("AWSSupplyChain", "AmazonForecast"),
          "forecast demand per store"),
    Theme("cdn", ("CDN & edge", "Website acceleration"), ("Content delivery with CloudFront", "Edge acceleration"),
          "Content Delivery & Edge Services", ("Resell",), ("AmazonCloudFront", "AWSWAF"), "speed up the customer portal"),
    Theme("resell", ("AWS resale (SPP)", "AWS billing transfer", "Consolidated billing"), ("AWS resell via Solution Provider", "Billing transfer to partner"),
          "Cloud Management Tools", ("Resell",), ("AWSMarketplace",), "buy AWS through the partner", True),
)
