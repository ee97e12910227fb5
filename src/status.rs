//! [`WorkflowStatus`]: the five documented statuses of a workflow execution
//! (`WorkflowStatus` in `seed/cdf-openapi-executions.json`), for filters.
//! Answers keep their status as a string: a newer value passes through.

use serde::Serialize;

use crate::json::ToJson;

/// A documented workflow execution status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkflowStatus {
    /// `RUNNING`.
    Running,
    /// `COMPLETED`.
    Completed,
    /// `FAILED`.
    Failed,
    /// `TIMED_OUT`.
    TimedOut,
    /// `TERMINATED`.
    Terminated,
}

impl WorkflowStatus {
    /// Every status, in the seed's order.
    pub const ALL: [WorkflowStatus; 5] = [
        WorkflowStatus::Running,
        WorkflowStatus::Completed,
        WorkflowStatus::Failed,
        WorkflowStatus::TimedOut,
        WorkflowStatus::Terminated,
    ];

    /// The statuses CDF can retry (a failed, timed out or terminated
    /// execution): what `retryExecutions`' filter may select, and its default.
    pub const RETRYABLE: [WorkflowStatus; 3] = [
        WorkflowStatus::Failed,
        WorkflowStatus::TimedOut,
        WorkflowStatus::Terminated,
    ];

    /// The status as CDF writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Running => "RUNNING",
            WorkflowStatus::Completed => "COMPLETED",
            WorkflowStatus::Failed => "FAILED",
            WorkflowStatus::TimedOut => "TIMED_OUT",
            WorkflowStatus::Terminated => "TERMINATED",
        }
    }

    /// The status `s` names exactly (upper case), if any.
    pub fn parse(s: &str) -> Option<WorkflowStatus> {
        WorkflowStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl ToJson for WorkflowStatus {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for st in WorkflowStatus::ALL {
            assert_eq!(WorkflowStatus::parse(st.as_str()), Some(st));
            assert_eq!(
                serde_json::to_string(&st).ok(),
                Some(format!("\"{}\"", st.as_str()))
            );
            assert_eq!(st.to_json(), format!("\"{}\"", st.as_str()));
        }
        for bad in ["running", "Failed", "", "PAUSED", " FAILED"] {
            assert_eq!(WorkflowStatus::parse(bad), None, "{bad}");
        }
    }
}
