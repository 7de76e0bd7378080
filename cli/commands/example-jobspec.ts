// The jobspec `nomadish job init` writes: a small web service, explained block by block.

export const EXAMPLE_JOBSPEC = `# An example service: three web servers in Docker behind a dynamic port.
# Run it with:  nomadish job run example.nomad.hcl

job "example" {
  # service jobs run until stopped; batch jobs run to completion;
  # system jobs run once on every eligible node.
  type = "service"

  # Any datacenter will do; list names to restrict placement.
  datacenters = ["*"]

  # Only Linux nodes can run this job.
  constraint {
    attribute = "\${attr.kernel.name}"
    value     = "linux"
  }

  # Replace allocations one at a time and roll back a version that never gets healthy.
  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    healthy_deadline = "3m"
    auto_revert      = true
  }

  group "web" {
    # How many copies of this group to run.
    count = 3

    network {
      # A dynamic host port, mapped to port 8080 inside the container.
      port "http" {
        to = 8080
      }
    }

    # Restart a failing task twice within 30 minutes before giving up on it.
    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    task "server" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "httpd"
        args    = ["-f", "-p", "8080", "-h", "/local"]
        ports   = ["http"]
      }

      # Rendered into the task's local/ folder before it starts.
      template {
        data        = "<h1>Hello from allocation {{ env \\"NOMAD_ALLOC_ID\\" }}</h1>\\n"
        destination = "local/index.html"
      }

      # What the scheduler reserves for the task: cpu in MHz, memory in MB.
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
`;

export const SHORT_EXAMPLE_JOBSPEC = `job "example" {
  group "web" {
    count = 3

    network {
      port "http" {
        to = 8080
      }
    }

    task "server" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "httpd"
        args    = ["-f", "-p", "8080", "-h", "/local"]
        ports   = ["http"]
      }

      template {
        data        = "<h1>Hello from allocation {{ env \\"NOMAD_ALLOC_ID\\" }}</h1>\\n"
        destination = "local/index.html"
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
`;
