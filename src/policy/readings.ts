/**
 * Where AWS's documentation leaves the evaluation of a policy open, the evaluator follows one reading
 * (the documented one where the documentation states it) and records when a statement relied on it.
 * The result then carries a caveat naming the statement and the decision under the other reading,
 * computed by evaluating again with that one question read the other way: never a silent guess.
 */

export const READING_IDS = [
  "resource_variable_before_resource_part",
  "multivalued_key_without_set_operator",
  "unresolved_policy_variable",
  "resource_arn_prefix_case",
  "for_any_value_if_exists_absent",
] as const;

export type ReadingId = (typeof READING_IDS)[number];

export interface ReadingInfo {
  /** What in a statement raises the question, as the subject of a clause. */
  subject: string;
  /** What the evaluator does, in a phrase that follows "reads it as". */
  followed: string;
  /** The other reading, in a phrase that follows "if AWS reads it as". */
  alternative: string;
  /** The page the followed reading rests on, and the sentence quoted from it. */
  source: { url: string; quote: string };
}

const POLICY_VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";
const CONDITION_OPERATORS =
  "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";

/** One entry per open question: the readings and the documentation (the fixtures quote it too). */
export const READINGS: Readonly<Record<ReadingId, ReadingInfo>> = {
  resource_variable_before_resource_part: {
    subject: "a policy variable before the fifth colon of a Resource ARN",
    followed:
      "literal text, since a variable is substituted only after the fifth colon of a Resource ARN (so the pattern never matches a real ARN there)",
    alternative: "a variable substituted there too",
    source: {
      url: `${POLICY_VARIABLES}#policy-vars-resourceelement`,
      quote:
        "You can use a policy variable in the Resource element, but only in the resource portion of the ARN. " +
        "This portion of the ARN appears after the fifth colon (:). You can't use a variable to replace parts of " +
        "the ARN before the fifth colon, such as the service or account.",
    },
  },
  multivalued_key_without_set_operator: {
    subject: "an operator without ForAnyValue/ForAllValues on a key with several values",
    followed:
      "true when any request value matches (a negated operator: when no request value matches), as with ForAnyValue",
    alternative: "a condition that never matches without ForAnyValue/ForAllValues",
    source: {
      url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html",
      quote:
        "Multivalued context keys require a condition set operator. (The page does not say how an operator without one compares several request values.)",
    },
  },
  unresolved_policy_variable: {
    subject: "a policy variable with no value in the request",
    followed:
      "a value that matches nothing: a positive operator is false, a negated operator is true, and a Resource or NotResource pattern matches no resource",
    alternative:
      'an invalid statement that does not apply ("might cause the entire statement to be invalid")',
    source: {
      url: `${POLICY_VARIABLES}#policy-vars-no-value`,
      quote:
        "Inverted condition operators like StringNotEquals or StringNotLike do match against a null value ... If a " +
        "variable that has no value in the authorization context is used as part of the Resource or NotResource " +
        "element of a policy, the resource that includes a policy variable with no value will not match any resource.",
    },
  },
  resource_arn_prefix_case: {
    subject: "upper case before the resource part of a Resource ARN",
    followed:
      "case-sensitive in every segment, so an upper-case partition, service, region or account never matches the lower-case ARN of a request",
    alternative: "those segments compared without regard to case",
    source: {
      url: `${CONDITION_OPERATORS}#Conditions_ARN`,
      quote:
        "Case-sensitive matching of the ARN. Each of the six colon-delimited components of the ARN is checked separately " +
        "(ARN operators; the Resource element page says only that the IAM user name is case sensitive).",
    },
  },
  for_any_value_if_exists_absent: {
    subject: "a ForAnyValue:...IfExists operator on an absent key",
    followed: "true, as IfExists says for a key that is not present",
    alternative: "false, as ForAnyValue says for a key that does not exist",
    source: {
      url: `${CONDITION_OPERATORS}#Conditions_IfExists`,
      quote:
        "You can add IfExists to the end of any condition operator name except the Null condition ... If the key is " +
        'not present, evaluate the condition element as true. (The set-operator page: for ForAnyValue, "if the key ' +
        'does not exist, the condition returns false".)',
    },
  },
};
