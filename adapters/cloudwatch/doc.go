// Package cloudwatch turns CloudWatch alarms, delivered by an Amazon SNS
// HTTP(S) subscription to POST /alerts/cloudwatch, into bot.Alert events.
//
// SNS posts a JSON envelope (with Content-Type text/plain) whose Message
// field is itself a JSON string holding the alarm:
//
//	{
//	  "Type": "Notification",
//	  "MessageId": "a1b2c3d4-...",
//	  "TopicArn": "arn:aws:sns:us-east-1:123456789012:warroom-alarms",
//	  "Subject": "ALARM: \"web-1 NetworkOut high\" in US East (N. Virginia)",
//	  "Message": "{\"AlarmName\":\"web-1 NetworkOut high\",\"NewStateValue\":\"ALARM\",
//	              \"StateChangeTime\":\"2026-03-14T09:26:50.123+0000\",
//	              \"Region\":\"US East (N. Virginia)\",
//	              \"AlarmArn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-1 NetworkOut high\",
//	              \"Trigger\":{\"MetricName\":\"NetworkOut\",\"Namespace\":\"AWS/EC2\",...}, ...}",
//	  "Timestamp": "2026-03-14T09:26:53.589Z",
//	  "SignatureVersion": "2",
//	  "Signature": "<base64>",
//	  "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-<hash>.pem",
//	  "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&..."
//	}
//
// Nothing in a message is trusted before its SNS signature is verified, in
// this order (cheap checks first, and never a network fetch for a topic
// that is not ours): the TopicArn is one configured; the SignatureVersion is
// 1 (RSA PKCS#1 v1.5 with SHA1) or 2 (with SHA256); the SigningCertURL is
// https, ends in .pem and names an SNS host of AWS; the Timestamp is within
// the replay window; then the certificate, fetched once per URL and cached,
// is valid now and its key verifies the signature over the canonical string
// (verify.go). Every refusal is a 403 that names the failed check.
//
// A SubscriptionConfirmation is confirmed by fetching its SubscribeURL
// (which must name an SNS host too); an UnsubscribeConfirmation is only
// logged. A Notification's alarm is mapped in alarm.go: ALARM fires, OK
// resolves, INSUFFICIENT_DATA is its own status that handlers record
// without opening anything. The event's ID is the SNS MessageId, which SNS
// keeps on retries, so the router drops a second delivery.
package cloudwatch
