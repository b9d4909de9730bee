{{/* The release's full name, at most 63 characters (a DNS label). */}}
{{- define "redoubt.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "redoubt.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels the Service and the ServiceMonitor select the pods by. */}}
{{- define "redoubt.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "redoubt.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "redoubt.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The configuration as the service reads it: the user's `config`, with the verifier's
sandbox on its emptyDir unless the user named another directory.
*/}}
{{- define "redoubt.config" -}}
{{- $defaults := dict "verification" (dict "sandbox-directory" "/var/lib/redoubt/sandbox") -}}
{{- $config := mergeOverwrite (deepCopy $defaults) (deepCopy .Values.config) -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (hasPrefix "jdbc:postgresql:" (default "" $config.service.metadata.url))) -}}
{{- fail "replicaCount > 1 needs a PostgreSQL metadata database shared by the replicas: set config.service.metadata.url to jdbc:postgresql://... (the embedded H2 default serves one replica)" -}}
{{- end -}}
{{- toYaml (dict "redoubt" $config) -}}
{{- end -}}
