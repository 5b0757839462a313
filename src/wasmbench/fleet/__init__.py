"""Several hosts, one report: ``wasmbench fleet run`` drives a suite on each host through Ansible.

The controller builds a wheel of wasmbench, and the playbook (``suite.yml``) installs it on each
host of a normal Ansible inventory, runs the suite there under a lock and fetches the result file
into ``results/<inventory name>/``. The merged report has one block per host.
"""
