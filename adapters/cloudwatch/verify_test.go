package cloudwatch

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultCertHost(t *testing.T) {
	for host, ok := range map[string]bool{
		"sns.us-east-1.amazonaws.com":           true,
		"sns.ap-northeast-1.amazonaws.com":      true,
		"sns.us-gov-west-1.amazonaws.com":       true,
		"sns.cn-north-1.amazonaws.com.cn":       true,
		"sns.us-east-1.amazonaws.com.evil.com":  false,
		"sns.us-east-1.amazonaws.com.cn.evil":   false,
		"evil.sns.us-east-1.amazonaws.com":      false,
		"s3.amazonaws.com":                      false,
		"sns-.amazonaws.com":                    false,
		"sns.amazonaws.com":                     false,
		"sns.eu.amazonaws.com":                  false,
		"sns.us-east-1.amazonaws.com:443":       false,
		"sns.us-east-1.amazonaws.com\n":         false,
		"sns.us-east-1.s3.amazonaws.com.evil":   false,
		"mybucket.s3.us-east-1.amazonaws.com":   false,
		"sns.us_east_1.amazonaws.com":           false,
		"sns.us-east-1.amazonaws.com/.pem":      false,
		"sns.us-east-1.amazonaws.comevil.local": false,
	} {
		require.Equal(t, ok, defaultCertHost.MatchString(host), host)
	}
}

func TestCertURL(t *testing.T) {
	a, err := New(Options{TopicARNs: []string{testTopic}, Router: &recorder{}})
	require.NoError(t, err)
	for u, ok := range map[string]bool{
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-6209c161c6221fdf56ec1eb5c821d112.pem": true,
		"https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-x.pem":                                true,
		"https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem":                            true,
		"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem":                                 false,
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem?x=1":                            false,
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.txt":                                false,
		"https://sns.us-east-1.amazonaws.com.evil.com/x.pem":                                                 false,
		"https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem":                                         false,
		"https://evil.com@sns.us-east-1.amazonaws.com/x.pem":                                                 false,
		"https://sns.us-east-1.amazonaws.com@evil.com/x.pem":                                                 false,
		"//sns.us-east-1.amazonaws.com/x.pem":                                                                false,
		"sns.us-east-1.amazonaws.com/x.pem":                                                                  false,
		"":                                                                                                   false,
	} {
		require.Equal(t, ok, a.certURLOK(u), u)
	}
}

func TestStringToSign(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name string
		e    envelope
		want string
	}{
		{
			name: "notification with subject",
			e: envelope{Type: "Notification", MessageID: "id", TopicArn: "arn", Subject: s("subj"),
				Message: "line1\nline2", Timestamp: "ts", SignatureVersion: "1", Signature: "ignored", SigningCertURL: "ignored"},
			want: "Message\nline1\nline2\nMessageId\nid\nSubject\nsubj\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n",
		},
		{
			name: "notification without subject",
			e:    envelope{Type: "Notification", MessageID: "id", TopicArn: "arn", Message: "m", Timestamp: "ts"},
			want: "Message\nm\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n",
		},
		{
			name: "notification with an empty subject",
			e:    envelope{Type: "Notification", MessageID: "id", TopicArn: "arn", Subject: s(""), Message: "m", Timestamp: "ts"},
			want: "Message\nm\nMessageId\nid\nSubject\n\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n",
		},
		{
			name: "subscription confirmation",
			e: envelope{Type: "SubscriptionConfirmation", MessageID: "id", TopicArn: "arn", Message: "m",
				Timestamp: "ts", Token: s("tok"), SubscribeURL: s("https://sub")},
			want: "Message\nm\nMessageId\nid\nSubscribeURL\nhttps://sub\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.e.stringToSign())
		})
	}
}

func TestCertCacheBounded(t *testing.T) {
	h := newHarness(t)
	c := newCertCache(h.sns.srv.Client(), certCacheSize)
	ctx := context.Background()
	url := func(i int) string { return h.sns.srv.URL + fmt.Sprintf("/c%d.pem", i) }
	for i := range certCacheSize + 8 {
		_, cached, err := c.get(ctx, url(i))
		require.NoError(t, err)
		require.False(t, cached)
	}
	require.Equal(t, certCacheSize, c.len())
	require.Equal(t, int32(certCacheSize+8), h.sns.certGets.Load())

	// The newest are kept, the oldest were evicted.
	_, cached, err := c.get(ctx, url(certCacheSize+7))
	require.NoError(t, err)
	require.True(t, cached)
	_, cached, err = c.get(ctx, url(0))
	require.NoError(t, err)
	require.False(t, cached)
	require.Equal(t, int32(certCacheSize+9), h.sns.certGets.Load())
	require.Equal(t, certCacheSize, c.len())
}
