{{/* The release's full name: the release name, with the chart's unless it already holds it. */}}
{{- define "wheelhouse.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "wheelhouse.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "wheelhouse.labels" -}}
{{ include "wheelhouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: wheelhouse
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "wheelhouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "wheelhouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* "true" when the console serves TLS itself. */}}
{{- define "wheelhouse.tls" -}}
{{- if ne .Values.tls.mode "none" -}}true{{- end -}}
{{- end -}}

{{- define "wheelhouse.containerPort" -}}
{{- if include "wheelhouse.tls" . -}}8443{{- else -}}8080{{- end -}}
{{- end -}}

{{- define "wheelhouse.servicePort" -}}
{{- if .Values.service.port -}}{{ .Values.service.port }}{{- else if include "wheelhouse.tls" . -}}443{{- else -}}80{{- end -}}
{{- end -}}

{{/* The names the Service answers to inside the cluster, one per line. */}}
{{- define "wheelhouse.serviceNames" -}}
{{- $name := include "wheelhouse.fullname" . -}}
{{ $name }}
{{ $name }}.{{ .Release.Namespace }}
{{ $name }}.{{ .Release.Namespace }}.svc
{{ $name }}.{{ .Release.Namespace }}.svc.cluster.local
{{- end -}}

{{- define "wheelhouse.sessionSecret" -}}
{{- default (printf "%s-session" (include "wheelhouse.fullname" .)) .Values.session.existingSecret -}}
{{- end -}}

{{- define "wheelhouse.selfSignedSecret" -}}
{{- printf "%s-tls-self" (include "wheelhouse.fullname" .) -}}
{{- end -}}

{{- define "wheelhouse.alerterName" -}}
{{- printf "%s-alerter" (include "wheelhouse.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The alerter's pods: a name of their own, so the console's Service and Deployment never select them. */}}
{{- define "wheelhouse.alerterSelectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}-alerter
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
