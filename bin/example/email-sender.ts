/**
 * The SES sender the example app's email jobs share in shape: a configuration set that requires TLS,
 * tracks reputation and suppresses bounces and complaints, and the sender's email identity in it.
 * Created in the caller's scope, so each group keeps its construct IDs (`ConfigurationSet`,
 * `EmailIdentity`).
 */
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';

export interface EmailSender {
  readonly configurationSet: ses.ConfigurationSet;
  readonly emailIdentity: ses.EmailIdentity;
}

export function createEmailSender(scope: Construct, senderAddress: string): EmailSender {
  const configurationSet = new ses.ConfigurationSet(scope, 'ConfigurationSet', {
    tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    reputationMetrics: true,
    suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
  });
  const emailIdentity = new ses.EmailIdentity(scope, 'EmailIdentity', {
    identity: ses.Identity.email(senderAddress),
    configurationSet,
  });
  return { configurationSet, emailIdentity };
}
