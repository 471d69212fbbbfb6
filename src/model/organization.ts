/** The organization's parts as the tools see them, whichever reader produced them. */
import type { TargetKind } from "./ids.js";
import type { PolicyType } from "./policy-type.js";

export interface OrganizationInfo {
  id: string;
  managementAccountId: string;
  arn?: string;
  featureSet?: string;
}

export interface PolicyTypeStatus {
  type: string;
  status: string;
}

export interface Root {
  id: string;
  name: string;
  arn?: string;
  policyTypes: PolicyTypeStatus[];
}

export interface OrganizationalUnit {
  id: string;
  name: string;
  arn?: string;
}

export interface Account {
  id: string;
  name: string;
  email?: string;
  status?: string;
  arn?: string;
}

export interface PolicySummary {
  id: string;
  name: string;
  description: string;
  type: PolicyType;
  awsManaged: boolean;
  arn?: string;
}

export interface Policy extends PolicySummary {
  /** The policy document as stored by Organizations: a JSON string. */
  content: string;
}

export interface TargetRef {
  id: string;
  type: TargetKind;
}

export interface PolicyTarget extends TargetRef {
  name: string;
}
